package dev.bootcluster.sample.e2e;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.net.ssl.SSLSocket;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.awaitility.Awaitility.await;

/**
 * A master started from a private copy of one of the test {@link App} jars, as a user
 * would start it. Owns every process it starts: it is registered for teardown the moment
 * its master process exists (before anyone waits on it, see {@link ClusterCleanup}), and
 * {@link #close()} kills the master and every worker it ever saw, by PID. Run with
 * {@code -De2e.output=true} to have each cluster's whole output printed when it is closed
 * (timings, diagnosis of a passing run).
 */
final class ClusterProcess implements AutoCloseable {

	/**
	 * JVM options of every master the tests start, and of its workers (through
	 * {@code cluster.worker.jvm-args}, since the master does not pass
	 * {@code TieredStopAtLevel} on): C1 only and the serial collector, which took a
	 * cluster of the sample with 2 workers from about 23 s to 12 s to READY on the 2-core
	 * CI machine, where JIT threads of three booting JVMs compete for the cores. The
	 * tests check behaviour, not speed; the benchmarks under {@code bench/} run the JVM's
	 * defaults. {@code -De2e.fastJvm=false} runs the tests with the defaults too.
	 */
	static final List<String> TEST_JVM_OPTIONS = Boolean.parseBoolean(System.getProperty("e2e.fastJvm", "true"))
			? List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC") : List.of();

	/** Generous: two worker JVMs and the master boot at once on a busy 2-core machine. */
	static final Duration STARTUP = Duration.ofSeconds(120);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	private static final Pattern PORT = Pattern.compile("Starting \\d+ workers on port (\\d+)");

	private static final Pattern MANAGEMENT_PORT = Pattern.compile("Workers share management port (\\d+)");

	private static final Pattern LISTENER_MODE = Pattern.compile("Listener mode (.*)$");

	/**
	 * Every cluster not closed yet. {@link ClusterCleanup} closes those a test (or a test
	 * class) started when it ends, whether or not the test kept a reference; the shutdown
	 * hook is the last resort when the test JVM itself is stopped.
	 */
	private static final Set<ClusterProcess> OPEN = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime()
			.addShutdownHook(
					new Thread(() -> List.copyOf(OPEN).forEach(ClusterProcess::close), "cluster-e2e-teardown"));
	}

	private final App app;

	private final Process master;

	private final List<String> output = new CopyOnWriteArrayList<>();

	/**
	 * Every descendant of the master ever seen, by PID. Handles, not bare PIDs: the JDK
	 * checks a handle's start time before it signals, so a PID reused after a worker
	 * exited is never hit.
	 */
	private final Map<Long, ProcessHandle> seen = new LinkedHashMap<>();

	private final Set<Long> seenWorkers = new java.util.LinkedHashSet<>();

	private final Path directory;

	private final Path jar;

	private final TestKeyStore tls;

	private final boolean managementTls;

	private final HttpClient http;

	private final AtomicBoolean closed = new AtomicBoolean();

	private volatile int port = -1;

	private volatile int managementPort = -1;

	private ClusterProcess(App app, Process master, Path directory, Path jar, TestKeyStore tls, boolean managementTls) {
		this.app = app;
		this.master = master;
		this.directory = directory;
		this.jar = jar;
		this.tls = tls;
		this.managementTls = managementTls;
		// HTTP/1.1 only: the JDK client's default (HTTP/2) adds an h2c upgrade offer to
		// plain requests and h2 to the TLS handshake, which these tests do not mean to
		// exercise
		HttpClient.Builder http = HttpClient.newBuilder()
			.connectTimeout(Duration.ofSeconds(5))
			.version(HttpClient.Version.HTTP_1_1);
		if (tls != null) {
			http.sslContext(tls.clientContext());
		}
		this.http = http.build();
		OPEN.add(this);
		Thread reader = new Thread(this::readOutput, "cluster-output-" + master.pid());
		reader.setDaemon(true);
		reader.start();
	}

	/** Starts {@code java -jar <copy of sample-app.jar> args...}. */
	static ClusterProcess start(String... args) throws IOException {
		return start(App.SAMPLE, args);
	}

	/** Starts {@code java -jar <copy of the app's jar> args...}. */
	static ClusterProcess start(App app, String... args) throws IOException {
		return launch(currentJava(), app, null, List.of(), List.of(args));
	}

	/**
	 * Starts {@code java <jvmOptions> -jar <copy of the app's jar> args...}: options of
	 * the master's own JVM, as a user's command line gives them.
	 */
	static ClusterProcess startWithJvmOptions(App app, List<String> jvmOptions, String... args) throws IOException {
		return launch(currentJava(), app, null, jvmOptions, List.of(args));
	}

	/**
	 * Starts {@code <java> -jar <copy of the app's jar> args...} with another JDK's java.
	 */
	static ClusterProcess start(Path java, App app, String... args) throws IOException {
		return launch(java, app, null, List.of(), List.of(args));
	}

	/** The java of the JVM that runs the tests. */
	static Path currentJava() {
		return Path.of(System.getProperty("java.home"), "bin", "java");
	}

	/**
	 * The java of the JDK 25 installed beside the default JDK 17 (the machine doc names
	 * it); {@code -Djdk25.home} overrides where it is.
	 */
	static Path jdk25Java() {
		return Path.of(System.getProperty("jdk25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java");
	}

	/**
	 * Starts the app with its main port serving HTTPS from {@code keys} (the
	 * {@code server.ssl.*} arguments come first, {@code args} may add to them). A
	 * separate management port inherits that TLS setup in Boot unless {@code args}
	 * contain {@code --management.server.ssl.enabled=false}; requests to it follow suit.
	 */
	static ClusterProcess startTls(App app, TestKeyStore keys, String... args) throws IOException {
		List<String> all = new ArrayList<>(keys.serverArgs());
		all.addAll(List.of(args));
		return launch(currentJava(), app, keys, List.of(), all);
	}

	private static ClusterProcess launch(Path java, App app, TestKeyStore tls, List<String> jvmOptions,
			List<String> args) throws IOException {
		Path source = app.jar();
		Path directory = Files.createTempDirectory("e2e-" + app.name().toLowerCase(Locale.ROOT) + "-");
		Path jar = directory.resolve(source.getFileName());
		Process process;
		try {
			Files.copy(source, jar, StandardCopyOption.REPLACE_EXISTING);
			List<String> command = new ArrayList<>();
			command.add(java.toString());
			command.addAll(TEST_JVM_OPTIONS);
			command.addAll(jvmOptions);
			command.add("-jar");
			command.add(jar.toString());
			if (!TEST_JVM_OPTIONS.isEmpty()) {
				// a test's own cluster.worker.jvm-args adds to these (Boot joins repeated
				// command-line properties into one list)
				command.add("--cluster.worker.jvm-args=" + String.join(",", TEST_JVM_OPTIONS));
			}
			command.addAll(args);
			process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
		}
		catch (IOException | RuntimeException ex) {
			deleteDirectory(directory);
			throw ex;
		}
		boolean managementTls = tls != null && !args.contains("--management.server.ssl.enabled=false");
		return new ClusterProcess(app, process, directory, jar, tls, managementTls);
	}

	/** The clusters not closed yet (for {@link ClusterCleanup}). */
	static Set<ClusterProcess> open() {
		return Set.copyOf(OPEN);
	}

	static Path sampleJar() {
		return App.SAMPLE.jar();
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

	/** Waits until the master logged {@code count} READY workers. */
	ClusterProcess awaitReady(int count) {
		await().atMost(STARTUP).pollInterval(Duration.ofMillis(200)).until(() -> {
			if (!this.master.isAlive()) {
				throw new AssertionError(
						this.app + " master exited with " + this.master.exitValue() + ":\n" + tail(60));
			}
			return countLines(" READY in ") >= count;
		});
		recordWorkers();
		return this;
	}

	App app() {
		return this.app;
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

	/**
	 * What the master logged about its listener, e.g.
	 * {@code shared: the master holds port ...}.
	 */
	String listenerMode() {
		for (String line : this.output) {
			Matcher matcher = LISTENER_MODE.matcher(line);
			if (!line.startsWith("[worker-") && matcher.find()) {
				return matcher.group(1);
			}
		}
		throw new AssertionError("the master logged no 'Listener mode' line:\n" + tail(40));
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

	/** Whether the main port serves HTTPS. */
	boolean tls() {
		return this.tls != null;
	}

	/**
	 * A new {@link Browser} on the main port, speaking HTTPS to it when the cluster
	 * serves HTTPS.
	 */
	Browser browser() {
		return new Browser(port(), (this.tls != null) ? this.tls.clientContext() : null);
	}

	/** The jar the master was started from (a private copy of the app's jar). */
	Path jar() {
		return this.jar;
	}

	Process master() {
		return this.master;
	}

	long masterPid() {
		return this.master.pid();
	}

	/**
	 * Current children (workers) of the master, recorded so {@link #close()} can kill
	 * them.
	 */
	/**
	 * The master's children that are workers (they carry the worker id variable; the
	 * startup cache's extraction, training and check JVMs do not).
	 */
	synchronized List<Long> workerPids() {
		recordWorkers();
		return this.master.children().map(ProcessHandle::pid).filter(ClusterProcess::isWorker).toList();
	}

	static boolean isWorker(long pid) {
		try {
			return environment(pid).containsKey("BOOTCLUSTER_WORKER_ID");
		}
		catch (IOException ex) {
			// gone meanwhile
			return false;
		}
	}

	synchronized Set<Long> allSeenPids() {
		recordWorkers();
		return Set.copyOf(this.seen.keySet());
	}

	/**
	 * The pids of every worker the master was seen to run (the startup cache's JVMs are
	 * none).
	 */
	synchronized Set<Long> allSeenWorkerPids() {
		recordWorkers();
		return Set.copyOf(this.seenWorkers);
	}

	private synchronized void recordWorkers() {
		this.master.descendants().forEach((handle) -> {
			this.seen.putIfAbsent(handle.pid(), handle);
			// checked again each time: between fork and exec a child has the master's
			// environment
			if (!this.seenWorkers.contains(handle.pid()) && isWorker(handle.pid())) {
				this.seenWorkers.add(handle.pid());
			}
		});
	}

	/**
	 * Requests to {@code /actuator...} go to the management port, the rest to the server
	 * port.
	 */
	private boolean management(String path) {
		return path.startsWith("/actuator");
	}

	private boolean tlsFor(String path) {
		boolean separateManagement = this.managementPort > 0;
		return (management(path) && separateManagement) ? this.managementTls : tls();
	}

	private URI uri(String path) {
		int target = management(path) ? managementPort() : port();
		return URI.create((tlsFor(path) ? "https" : "http") + "://127.0.0.1:" + target + path);
	}

	HttpResponse<String> get(String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/** GETs {@code path} and reads the JSON object it answers (no status check). */
	Map<String, Object> getJson(String path) throws IOException, InterruptedException {
		return JSON.readValue(get(path).body(), MAP);
	}

	/**
	 * GETs {@code path} over fresh connections until every current worker answered once;
	 * returns each worker's parsed answer by PID (the answer's {@code pid}, or
	 * {@code answeredBy.pid} for actuator answers). Each new connection may go to any
	 * worker: the kernel spreads them over the workers' listeners (reuseport) or the
	 * workers' accepts on the one shared socket.
	 */
	Map<Long, Map<String, Object>> fromEveryWorker(String path) throws IOException {
		List<Long> workers = workerPids();
		Map<Long, Map<String, Object>> answers = new HashMap<>();
		for (int i = 0; i < 400 && !answers.keySet().containsAll(workers); i++) {
			Map<String, Object> answer = getFresh(path).body();
			Long pid = pidOf(answer);
			if (pid != null) {
				answers.putIfAbsent(pid, answer);
			}
		}
		if (!answers.keySet().containsAll(workers)) {
			throw new AssertionError("Not every worker of " + workers + " answered " + path + ": " + answers.keySet());
		}
		return answers;
	}

	/**
	 * GETs {@code path} from {@code clients} concurrent clients, each over a fresh
	 * connection per request, until every current worker answered (at least 40 and at
	 * most 400 requests in all); returns how many answers each PID gave. Any answer that
	 * is not a 200 with a PID fails.
	 */
	Map<Long, Integer> spread(String path, int clients) throws Exception {
		List<Long> workers = workerPids();
		Map<Long, AtomicInteger> counts = new ConcurrentHashMap<>();
		AtomicInteger requests = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < clients; i++) {
				futures.add(pool.submit(() -> {
					while (requests.get() < 400 && (requests.get() < 40 || !counts.keySet().containsAll(workers))) {
						requests.incrementAndGet();
						FreshAnswer answer = getFresh(path);
						Long pid = pidOf(answer.body());
						if (answer.status() != 200 || pid == null) {
							throw new AssertionError(path + " answered " + answer.status() + ": " + answer.body());
						}
						counts.computeIfAbsent(pid, (key) -> new AtomicInteger()).incrementAndGet();
					}
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get(2, TimeUnit.MINUTES);
			}
		}
		finally {
			pool.shutdownNow();
		}
		Map<Long, Integer> result = new HashMap<>();
		counts.forEach((pid, count) -> result.put(pid, count.get()));
		return result;
	}

	@SuppressWarnings("unchecked")
	static Long pidOf(Map<String, Object> answer) {
		Object answeredBy = answer.get("answeredBy");
		Map<String, Object> source = (answeredBy instanceof Map<?, ?> map) ? (Map<String, Object>) map : answer;
		return (source.get("pid") instanceof Number number) ? number.longValue() : null;
	}

	/**
	 * One GET on a fresh connection (HTTPS when the port serves it): the status and the
	 * JSON body.
	 */
	FreshAnswer getFresh(String path) throws IOException {
		RawResponse response = exchange(management(path) ? managementPort() : port(), tlsFor(path), path);
		String body = response.body().trim();
		return new FreshAnswer(response.status(), body.startsWith("{") ? JSON.readValue(body, MAP) : Map.of());
	}

	/**
	 * One {@code GET path} over a new connection to {@code port} with
	 * {@code Connection: close}, read by its framing (length or chunks, so no TLS
	 * close_notify is needed to end it).
	 */
	RawResponse exchange(int target, boolean https, String path) throws IOException {
		try (Socket socket = https ? this.tls.clientContext().getSocketFactory().createSocket() : new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", target), 5000);
			socket.setSoTimeout(30_000);
			if (socket instanceof SSLSocket ssl) {
				ssl.startHandshake();
			}
			OutputStream out = socket.getOutputStream();
			out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + target + "\r\nConnection: close\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			return RawResponse.read(new BufferedInputStream(socket.getInputStream()));
		}
	}

	/** POSTs a JSON body. */
	HttpResponse<String> postJson(String path, String json) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(uri(path))
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
	 * @param body the JSON body (empty when the body is not a JSON object)
	 */
	record FreshAnswer(int status, Map<String, Object> body) {
	}

	/**
	 * A response read off a raw connection.
	 *
	 * @param status HTTP status
	 * @param headers header names in lower case, with their (last) value
	 * @param body the decoded body
	 */
	record RawResponse(int status, Map<String, String> headers, String body) {

		static RawResponse read(InputStream in) throws IOException {
			String statusLine = line(in);
			if (statusLine == null) {
				throw new IOException("connection closed before a response");
			}
			String[] parts = statusLine.split(" ", 3);
			int status = Integer.parseInt(parts[1]);
			Map<String, String> headers = new HashMap<>();
			String header;
			while ((header = line(in)) != null && !header.isEmpty()) {
				int colon = header.indexOf(':');
				headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
						header.substring(colon + 1).trim());
			}
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
				long size;
				do {
					String sizeLine = line(in);
					if (sizeLine == null) {
						throw new IOException("connection closed in a chunked body");
					}
					size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
					body.write(in.readNBytes((int) size));
					line(in);
				}
				while (size > 0);
			}
			else if (headers.containsKey("content-length")) {
				int length = Integer.parseInt(headers.get("content-length"));
				byte[] bytes = in.readNBytes(length);
				if (bytes.length < length) {
					throw new IOException("connection closed in the body");
				}
				body.write(bytes);
			}
			else {
				body.write(in.readAllBytes());
			}
			return new RawResponse(status, headers, body.toString(StandardCharsets.UTF_8));
		}

		private static String line(InputStream in) throws IOException {
			ByteArrayOutputStream buffer = new ByteArrayOutputStream();
			int read;
			while ((read = in.read()) >= 0) {
				if (read == '\n') {
					String text = buffer.toString(StandardCharsets.US_ASCII);
					return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
				}
				buffer.write(read);
			}
			return (buffer.size() > 0) ? buffer.toString(StandardCharsets.US_ASCII) : null;
		}

	}

	/** A bare POST: no body, no content type. */
	HttpResponse<String> post(String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(uri(path))
			.POST(HttpRequest.BodyPublishers.noBody())
			.timeout(Duration.ofSeconds(30))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/** Polls {@code /actuator/cluster} until a rolling restart runs; returns its id. */
	@SuppressWarnings("unchecked")
	String awaitRestartRunning() {
		AtomicReference<String> id = new AtomicReference<>();
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
			Map<String, Object> restart = (Map<String, Object>) getJson("/actuator/cluster").get("restart");
			if (restart != null && "RUNNING".equals(restart.get("state"))) {
				id.set((String) restart.get("id"));
			}
			return id.get() != null;
		});
		return id.get();
	}

	/**
	 * Polls {@code /actuator/cluster} until the rolling restart {@code id} ended; returns
	 * it.
	 */
	@SuppressWarnings("unchecked")
	Map<String, Object> awaitRestartEnd(String id) {
		AtomicReference<Map<String, Object>> restart = new AtomicReference<>();
		await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
			Map<String, Object> status = getJson("/actuator/cluster");
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
	 * Whether a process has exited. Read from /proc: a zombie (state Z, not yet reaped by
	 * its new parent) has exited too, which {@code kill -0} would not tell.
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

	/**
	 * A process's environment as it was when it started, read from
	 * {@code /proc/<pid>/environ} (NUL-separated {@code NAME=value} entries; readable for
	 * processes of the same user).
	 */
	static Map<String, String> environment(long pid) throws IOException {
		byte[] bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
		Map<String, String> environment = new LinkedHashMap<>();
		for (String entry : new String(bytes, StandardCharsets.UTF_8).split("\0")) {
			int equals = entry.indexOf('=');
			if (equals > 0) {
				environment.put(entry.substring(0, equals), entry.substring(equals + 1));
			}
		}
		return environment;
	}

	/** How many threads a process has ({@code /proc/<pid>/task} entries). */
	static int threadCount(long pid) throws IOException {
		return countEntries(Path.of("/proc", Long.toString(pid), "task"));
	}

	/** How many file descriptors a process has open ({@code /proc/<pid>/fd} entries). */
	static int fdCount(long pid) throws IOException {
		return countEntries(Path.of("/proc", Long.toString(pid), "fd"));
	}

	private static int countEntries(Path directory) throws IOException {
		try (Stream<Path> entries = Files.list(directory)) {
			return (int) entries.count();
		}
	}

	/**
	 * The master's own lines: its output without the relayed worker lines
	 * ({@code [worker-N pid] ...}).
	 */
	List<String> masterLines() {
		return this.output.stream().filter((line) -> !line.startsWith("[worker-")).toList();
	}

	/**
	 * The lines relayed from the worker process {@code pid} ({@code [worker-N pid] ...}).
	 */
	List<String> workerLines(long pid) {
		Pattern own = Pattern.compile("^\\[worker-\\d+ " + pid + "\\] .*");
		return this.output.stream().filter((line) -> own.matcher(line).matches()).toList();
	}

	/**
	 * One request over a new connection with {@code Connection: close} (never a pooled
	 * one, which might be held by a stopped worker): {@code timeout} bounds the connect
	 * and every read. A JSON {@code body} (or null for none).
	 */
	RawResponse fresh(String method, String path, String body, Duration timeout) throws IOException {
		int target = management(path) ? managementPort() : port();
		boolean https = tlsFor(path);
		int millis = (int) timeout.toMillis();
		try (Socket socket = https ? this.tls.clientContext().getSocketFactory().createSocket() : new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", target), millis);
			socket.setSoTimeout(millis);
			if (socket instanceof SSLSocket ssl) {
				ssl.startHandshake();
			}
			byte[] content = (body != null) ? body.getBytes(StandardCharsets.UTF_8) : new byte[0];
			StringBuilder head = new StringBuilder();
			head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
			head.append("Host: 127.0.0.1:").append(target).append("\r\n");
			head.append("Connection: close\r\n");
			if (body != null) {
				head.append("Content-Type: application/json\r\n");
			}
			if (body != null || !method.equals("GET")) {
				head.append("Content-Length: ").append(content.length).append("\r\n");
			}
			head.append("\r\n");
			OutputStream out = socket.getOutputStream();
			out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
			out.write(content);
			out.flush();
			return RawResponse.read(new BufferedInputStream(socket.getInputStream()));
		}
	}

	/** GET /actuator/cluster, parsed (no status check). */
	Map<String, Object> status() throws IOException, InterruptedException {
		return getJson("/actuator/cluster");
	}

	/** Parses a JSON object. */
	static Map<String, Object> parse(String json) {
		return JSON.readValue(json, MAP);
	}

	static String commandLine(long pid) {
		try {
			return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
					StandardCharsets.UTF_8)
				.replace('\0', ' ');
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

	/** For failure reports: which cluster, and the last lines of its output. */
	String describe(int lines) {
		return this.app + " cluster (master pid " + this.master.pid()
				+ (this.master.isAlive() ? ", running" : ", exited") + ", port " + this.port + "), last " + lines
				+ " lines of its output:\n" + tail(lines);
	}

	/**
	 * Kills the master and every worker it ever had, by PID, and waits until they are
	 * gone. The master is stopped (SIGSTOP) first, so that it cannot start a replacement
	 * for a worker killed here, and its current workers are collected while it is frozen.
	 * Idempotent.
	 */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		OPEN.remove(this);
		if (Boolean.getBoolean("e2e.output")) {
			// -De2e.output=true: the whole output of every cluster, for timing and
			// diagnosis
			System.out.println("=== " + describe(this.output.size()));
		}
		try {
			if (this.master.isAlive()) {
				try {
					signal(this.master.pid(), "STOP");
				}
				catch (IOException | IllegalStateException ex) {
					// exited meanwhile
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			recordWorkers();
			this.master.destroyForcibly();
			List<ProcessHandle> workers;
			synchronized (this) {
				workers = List.copyOf(this.seen.values());
			}
			workers.forEach(ProcessHandle::destroyForcibly);
			try {
				await().atMost(Duration.ofSeconds(15))
					.pollInterval(Duration.ofMillis(50))
					.until(() -> !this.master.isAlive()
							&& workers.stream().allMatch((worker) -> !worker.isAlive() || isGone(worker.pid())));
			}
			catch (org.awaitility.core.ConditionTimeoutException ex) {
				throw new AssertionError("still running 15 s after SIGKILL: " + workers.stream()
					.filter((worker) -> worker.isAlive() && !isGone(worker.pid()))
					.map(ProcessHandle::pid)
					.toList(), ex);
			}
		}
		finally {
			deleteDirectory(this.directory);
		}
	}

	/** Deletes a temporary directory and what is in it, as far as it can. */
	static void deleteDirectory(Path directory) {
		try (Stream<Path> walk = Files.walk(directory)) {
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
