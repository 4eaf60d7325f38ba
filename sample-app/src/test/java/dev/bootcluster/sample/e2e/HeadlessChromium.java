package dev.bootcluster.sample.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static org.awaitility.Awaitility.await;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket of the
 * JDK's HTTP client; no driver binary to match the browser's version): navigate, evaluate
 * a script in the page, take a screenshot. Owned like {@link ClusterProcess}: registered
 * for teardown the moment its process exists; {@link Cleanup} kills the browsers a test
 * started when it ends, pass or fail, by PID, with the renderer processes under them. A
 * missing Chromium fails the test (never a skip): {@code .ci/run} installs it.
 */
final class HeadlessChromium implements AutoCloseable {

	private static final Duration STARTUP = Duration.ofSeconds(60);

	private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

	private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Set<HeadlessChromium> OPEN = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime()
			.addShutdownHook(
					new Thread(() -> List.copyOf(OPEN).forEach(HeadlessChromium::close), "chromium-e2e-teardown"));
	}

	private final Process process;

	private final Path profile;

	private final List<String> output = new CopyOnWriteArrayList<>();

	private final CompletableFuture<String> browserUrl = new CompletableFuture<>();

	private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

	private final AtomicLong ids = new AtomicLong();

	private final AtomicBoolean closed = new AtomicBoolean();

	private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();

	private WebSocket page;

	private HeadlessChromium(Process process, Path profile) {
		this.process = process;
		this.profile = profile;
		OPEN.add(this);
		Thread reader = new Thread(this::readOutput, "chromium-output-" + process.pid());
		reader.setDaemon(true);
		reader.start();
	}

	/** Starts a browser and connects to its blank page. */
	static HeadlessChromium start() throws IOException {
		Path executable = executable();
		Path profile = Files.createTempDirectory("e2e-chromium-");
		List<String> command = new ArrayList<>(List.of(executable.toString(), "--headless", "--disable-gpu",
				"--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage", "--disable-extensions",
				"--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1280,960"));
		if ("root".equals(System.getProperty("user.name"))) {
			// Chromium refuses to run as root with its sandbox
			command.add("--no-sandbox");
		}
		command.add("about:blank");
		Process process;
		try {
			process = new ProcessBuilder(command).redirectErrorStream(true).start();
		}
		catch (IOException | RuntimeException ex) {
			ClusterProcess.deleteDirectory(profile);
			throw ex;
		}
		HeadlessChromium browser = new HeadlessChromium(process, profile);
		browser.connect();
		return browser;
	}

	static Path executable() {
		for (String candidate : new String[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }) {
			Path path = Path.of(candidate);
			if (Files.isExecutable(path)) {
				return path;
			}
		}
		throw new AssertionError("Chromium is not installed (/usr/bin/chromium): the live page's test drives it. "
				+ ".ci/run installs it from Debian (apt-get install -y chromium)");
	}

	private void readOutput() {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				this.output.add(line);
				Matcher matcher = LISTENING.matcher(line);
				if (matcher.find()) {
					this.browserUrl.complete(matcher.group(1));
				}
				this.process.descendants().forEach(this.seen::add);
			}
		}
		catch (IOException ex) {
			// gone
		}
		this.browserUrl
			.completeExceptionally(new AssertionError("Chromium exited:\n" + String.join("\n", this.output)));
	}

	private void connect() {
		try {
			URI browser = URI.create(this.browserUrl.get(STARTUP.toSeconds(), TimeUnit.SECONDS));
			HttpClient http = HttpClient.newHttpClient();
			URI list = URI.create("http://" + browser.getAuthority() + "/json/list");
			String pageUrl = await().atMost(STARTUP).pollInterval(Duration.ofMillis(100)).until(() -> {
				HttpResponse<String> response = http.send(HttpRequest.newBuilder(list).build(),
						HttpResponse.BodyHandlers.ofString());
				for (JsonNode target : JSON.readTree(response.body())) {
					if ("page".equals(target.path("type").asString())) {
						return target.path("webSocketDebuggerUrl").asString();
					}
				}
				return null;
			}, (url) -> url != null && !url.isEmpty());
			this.page = http.newWebSocketBuilder()
				.buildAsync(URI.create(pageUrl), new Listener())
				.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new AssertionError("Cannot drive Chromium: " + ex + "\n" + String.join("\n", this.output), ex);
		}
	}

	/** Sends one DevTools command and waits for its result. */
	JsonNode call(String method, Map<String, Object> params) {
		long id = this.ids.incrementAndGet();
		CompletableFuture<JsonNode> answer = new CompletableFuture<>();
		this.pending.put(id, answer);
		ObjectNode command = JSON.createObjectNode();
		command.put("id", id);
		command.put("method", method);
		command.set("params", JSON.valueToTree(params));
		try {
			this.page.sendText(JSON.writeValueAsString(command), true).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			JsonNode reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			if (reply.has("error")) {
				throw new AssertionError(method + " failed: " + reply.get("error"));
			}
			return reply.path("result");
		}
		catch (Exception ex) {
			throw new AssertionError(method + ": " + ex, ex);
		}
		finally {
			this.pending.remove(id);
		}
	}

	void navigate(String url) {
		call("Page.navigate", Map.of("url", url));
	}

	/**
	 * The value of a script evaluated in the page (JSON values come back as they are).
	 */
	JsonNode evaluate(String expression) {
		JsonNode result = call("Runtime.evaluate",
				Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
		if (result.has("exceptionDetails")) {
			throw new AssertionError(expression + " threw " + result.get("exceptionDetails"));
		}
		return result.path("result").path("value");
	}

	/** Saves what the page shows as a PNG file. */
	void screenshot(Path file) throws IOException {
		JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png"));
		Files.createDirectories(file.toAbsolutePath().getParent());
		Files.write(file, Base64.getDecoder().decode(shot.path("data").asString()));
	}

	/** Kills the browser by PID, with every process under it, and waits until gone. */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		OPEN.remove(this);
		try {
			if (this.page != null) {
				this.page.abort();
			}
			this.process.descendants().forEach(this.seen::add);
			this.seen.forEach(ProcessHandle::destroyForcibly);
			this.process.destroyForcibly();
			await().atMost(Duration.ofSeconds(15))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> ClusterProcess.isGone(this.process.pid())
						&& this.seen.stream().allMatch((handle) -> ClusterProcess.isGone(handle.pid())));
		}
		finally {
			ClusterProcess.deleteDirectory(this.profile);
		}
	}

	/** Reads the page's answers, whole messages at a time. */
	private final class Listener implements WebSocket.Listener {

		private final StringBuilder text = new StringBuilder();

		@Override
		public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
			this.text.append(data);
			if (last) {
				JsonNode message = JSON.readTree(this.text.toString());
				this.text.setLength(0);
				if (message.has("id")) {
					CompletableFuture<JsonNode> answer = HeadlessChromium.this.pending.get(message.get("id").asLong());
					if (answer != null) {
						answer.complete(message);
					}
				}
			}
			socket.request(1);
			return null;
		}

	}

	/**
	 * Kills every browser a test started when the test ends, pass or fail, whether or not
	 * the test still holds it.
	 */
	static final class Cleanup implements BeforeEachCallback, AfterEachCallback {

		private static final Namespace NAMESPACE = Namespace.create(Cleanup.class);

		@Override
		public void beforeEach(ExtensionContext context) {
			context.getStore(NAMESPACE).put("open", Set.copyOf(OPEN));
		}

		@Override
		@SuppressWarnings("unchecked")
		public void afterEach(ExtensionContext context) {
			Set<HeadlessChromium> started = new HashSet<>(OPEN);
			Set<HeadlessChromium> before = (Set<HeadlessChromium>) context.getStore(NAMESPACE).get("open", Set.class);
			if (before != null) {
				started.removeAll(before);
			}
			if (context.getExecutionException().isPresent()) {
				started.forEach((browser) -> System.out
					.println("=== chromium pid " + browser.process.pid() + ":\n" + String.join("\n",
							browser.output.subList(Math.max(0, browser.output.size() - 40), browser.output.size()))));
			}
			started.forEach(HeadlessChromium::close);
		}

	}

}
