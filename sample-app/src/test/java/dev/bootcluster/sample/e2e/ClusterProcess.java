package dev.bootcluster.sample.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.awaitility.Awaitility.await;

/**
 * A master started from a copy of the sample jar, as a user would start it. Owns every process it
 * starts: {@link #close()} kills the master and every worker it ever saw, by PID.
 */
final class ClusterProcess implements AutoCloseable {

	/** Generous: two worker JVMs and the master boot at once on a busy 2-core machine. */
	static final Duration STARTUP = Duration.ofSeconds(120);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	private static final Pattern PORT = Pattern.compile("Starting \\d+ workers on port (\\d+)");

	private static final Pattern MANAGEMENT_PORT = Pattern.compile("Workers share management port (\\d+)");

	private final Process master;

	private final List<String> output = new CopyOnWriteArrayList<>();

	private final Set<Long> seenPids = new LinkedHashSet<>();

	private final Path directory;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private volatile int port = -1;

	private volatile int managementPort = -1;

	private ClusterProcess(Process master, Path directory) {
		this.master = master;
		this.directory = directory;
		Thread reader = new Thread(this::readOutput, "cluster-output-" + master.pid());
		reader.setDaemon(true);
		reader.start();
	}

	/** Starts {@code java -jar <copy of sample-app.jar> args...}. */
	static ClusterProcess start(String... args) throws IOException {
		Path directory = Files.createTempDirectory("sample-e2e-");
		Path jar = directory.resolve("sample-app.jar");
		Files.copy(sampleJar(), jar, StandardCopyOption.REPLACE_EXISTING);
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-jar");
		command.add(jar.toString());
		command.addAll(Arrays.asList(args));
		ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
		return new ClusterProcess(builder.start(), directory);
	}

	static Path sampleJar() {
		String jar = System.getProperty("sample.jar", "target/sample-app.jar");
		Path path = Path.of(jar);
		if (!Files.isRegularFile(path)) {
			throw new IllegalStateException("No sample jar at " + path.toAbsolutePath() + ": run mvn verify");
		}
		return path;
	}

	private void readOutput() {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(this.master.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				this.output.add(line);
				Matcher matcher = PORT.matcher(line);
				if (matcher.find()) {
					this.port = Integer.parseInt(matcher.group(1));
				}
				Matcher management = MANAGEMENT_PORT.matcher(line);
				if (management.find()) {
					this.managementPort = Integer.parseInt(management.group(1));
				}
				recordWorkers();
			}
		}
		catch (IOException ex) {
			// master gone
		}
	}

	/** Waits until the master logged {@code count} READY workers and returns the shared port. */
	ClusterProcess awaitReady(int count) {
		await().atMost(STARTUP).pollInterval(Duration.ofMillis(200)).until(() -> {
			if (!this.master.isAlive()) {
				throw new AssertionError("master exited with " + this.master.exitValue() + ":\n" + tail(60));
			}
			return countLines(" READY in ") >= count;
		});
		recordWorkers();
		return this;
	}

	long countLines(String fragment) {
		return this.output.stream().filter((line) -> line.contains(fragment)).count();
	}

	List<String> output() {
		return List.copyOf(this.output);
	}

	String tail(int lines) {
		List<String> all = output();
		return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
	}

	int port() {
		if (this.port < 0) {
			throw new IllegalStateException("the master has not logged its port yet");
		}
		return this.port;
	}

	/** The separate management port, or the server port when there is none. */
	int managementPort() {
		return (this.managementPort > 0) ? this.managementPort : port();
	}

	/** The jar the master was started from (a private copy of the sample jar). */
	Path jar() {
		return this.directory.resolve("sample-app.jar");
	}

	Process master() {
		return this.master;
	}

	long masterPid() {
		return this.master.pid();
	}

	/** Current children (workers) of the master, recorded so {@link #close()} can kill them. */
	synchronized List<Long> workerPids() {
		recordWorkers();
		return this.master.children().map(ProcessHandle::pid).toList();
	}

	synchronized Set<Long> allSeenPids() {
		recordWorkers();
		return Set.copyOf(this.seenPids);
	}

	private synchronized void recordWorkers() {
		this.master.descendants().forEach((handle) -> this.seenPids.add(handle.pid()));
	}

	HttpResponse<String> get(String path) throws IOException, InterruptedException {
		int target = path.startsWith("/actuator") ? managementPort() : port();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target + path))
			.timeout(Duration.ofSeconds(30))
			.GET()
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * GETs {@code path} over fresh connections (raw socket, HTTP/1.0) until every current worker
	 * answered once; returns each worker's parsed answer by PID. Needs reuseport (the kernel
	 * spreads new connections over the workers' listeners).
	 */
	Map<Long, Map<String, Object>> fromEveryWorker(String path) throws IOException {
		List<Long> workers = workerPids();
		Map<Long, Map<String, Object>> answers = new java.util.HashMap<>();
		for (int i = 0; i < 400 && !answers.keySet().containsAll(workers); i++) {
			Map<String, Object> answer = getFresh(path).body();
			Object pid = answer.get("pid");
			if (pid instanceof Number number) {
				answers.putIfAbsent(number.longValue(), answer);
			}
		}
		if (!answers.keySet().containsAll(workers)) {
			throw new AssertionError("Not every worker of " + workers + " answered " + path + ": " + answers.keySet());
		}
		return answers;
	}

	/** One GET on a fresh connection: the status code and the JSON body. */
	FreshAnswer getFresh(String path) throws IOException {
		int target = path.startsWith("/actuator") ? managementPort() : port();
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", target)) {
			socket.setSoTimeout(30_000);
			socket.getOutputStream()
				.write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			int status = Integer.parseInt(response.substring(9, 12));
			String body = response.substring(response.indexOf("\r\n\r\n") + 4);
			return new FreshAnswer(status, body.isEmpty() ? Map.of() : JSON.readValue(body, MAP));
		}
	}

	/** POSTs a JSON body. */
	HttpResponse<String> postJson(String path, String json) throws IOException, InterruptedException {
		int target = path.startsWith("/actuator") ? managementPort() : port();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.timeout(Duration.ofSeconds(30))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * An answer read from a fresh connection.
	 *
	 * @param status HTTP status
	 * @param body the JSON body
	 */
	record FreshAnswer(int status, Map<String, Object> body) {
	}

	/** A bare POST: no body, no content type. */
	HttpResponse<String> post(String path) throws IOException, InterruptedException {
		int target = path.startsWith("/actuator") ? managementPort() : port();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target + path))
			.POST(HttpRequest.BodyPublishers.noBody())
			.timeout(Duration.ofSeconds(30))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/** Polls {@code /actuator/cluster} until the rolling restart {@code id} ended; returns it. */
	@SuppressWarnings("unchecked")
	Map<String, Object> awaitRestartEnd(String id) {
		AtomicReference<Map<String, Object>> restart = new AtomicReference<>();
		await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
			Map<String, Object> status = JSON.readValue(get("/actuator/cluster").body(), MAP);
			restart.set((Map<String, Object>) status.get("restart"));
			return restart.get() != null && id.equals(restart.get().get("id"))
					&& !"RUNNING".equals(restart.get().get("state"));
		});
		return restart.get();
	}

	/** Waits for the master to exit and returns its status. */
	int awaitExit(Duration timeout) throws InterruptedException {
		if (!this.master.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			throw new AssertionError("master still running after " + timeout + ":\n" + tail(40));
		}
		return this.master.exitValue();
	}

	/**
	 * Whether a process has exited. Read from /proc: a zombie (state Z, not yet reaped by its
	 * new parent) has exited too, which {@code kill -0} would not tell.
	 */
	static boolean isGone(long pid) {
		Path stat = Path.of("/proc", Long.toString(pid), "stat");
		try {
			String content = Files.readString(stat);
			String afterName = content.substring(content.lastIndexOf(')') + 2);
			return afterName.startsWith("Z") || afterName.startsWith("X");
		}
		catch (IOException ex) {
			return true;
		}
	}

	static String commandLine(long pid) {
		try {
			return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
					StandardCharsets.UTF_8).replace('\0', ' ');
		}
		catch (IOException ex) {
			return "";
		}
	}

	static void signal(long pid, String signal) throws IOException, InterruptedException {
		Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
		if (kill.waitFor() != 0) {
			throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
		}
	}

	@Override
	public void close() {
		Set<Long> pids = allSeenPids();
		this.master.destroyForcibly();
		for (long pid : pids) {
			// only what still runs from this test's jar copy: a recorded pid may have been reused
			if (commandLine(pid).contains(this.directory.toString())) {
				ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
			}
		}
		try {
			this.master.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		deleteDirectory();
	}

	private void deleteDirectory() {
		try (Stream<Path> walk = Files.walk(this.directory)) {
			walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach((path) -> {
				try {
					Files.deleteIfExists(path);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
		}
		catch (IOException | UncheckedIOException ex) {
			// best effort: a temp directory
		}
	}

}
