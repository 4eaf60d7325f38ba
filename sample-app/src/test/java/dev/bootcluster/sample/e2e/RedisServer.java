package dev.bootcluster.sample.e2e;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

import static org.awaitility.Awaitility.await;

/**
 * A {@code redis-server} of the test's own, on a free loopback port, with no persistence
 * ({@code --save '' --appendonly no}) and its working directory in a fresh temporary
 * directory. Owned like {@link ClusterProcess}: registered for teardown the moment its
 * process exists, before anyone waits on it; {@link Cleanup} kills the servers a test
 * class started when the class ends, pass or fail, by PID; a shutdown hook is the last
 * resort. A missing {@code redis-server} fails the test (never a skip): {@code .ci/run}
 * installs it. {@link #command} speaks just enough RESP for the tests to read what the
 * application wrote.
 */
final class RedisServer implements AutoCloseable {

	static final Duration STARTUP = Duration.ofSeconds(30);

	private static final Set<RedisServer> OPEN = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime()
			.addShutdownHook(new Thread(() -> List.copyOf(OPEN).forEach(RedisServer::close), "redis-e2e-teardown"));
	}

	private final Process process;

	private final int port;

	private final Path directory;

	private final List<String> output = new CopyOnWriteArrayList<>();

	private final AtomicBoolean closed = new AtomicBoolean();

	private RedisServer(Process process, int port, Path directory) {
		this.process = process;
		this.port = port;
		this.directory = directory;
		OPEN.add(this);
		Thread reader = new Thread(this::readOutput, "redis-output-" + process.pid());
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Starts a server and waits until it answers {@code PING}. A port taken between
	 * choosing it and the server's bind makes the server exit: then another port is
	 * tried, three times at most.
	 */
	static RedisServer startAndAwait() throws IOException {
		Path executable = executable();
		AssertionError failure = null;
		for (int attempt = 0; attempt < 3; attempt++) {
			RedisServer server = start(executable, freePort());
			try {
				return server.awaitReady();
			}
			catch (AssertionError ex) {
				server.close();
				if (!server.tail().contains("Address already in use")) {
					throw ex;
				}
				failure = ex;
			}
		}
		throw failure;
	}

	private static RedisServer start(Path executable, int port) throws IOException {
		Path directory = Files.createTempDirectory("e2e-redis-");
		List<String> command = List.of(executable.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", directory.toString());
		try {
			Process process = new ProcessBuilder(command).directory(directory.toFile())
				.redirectErrorStream(true)
				.start();
			return new RedisServer(process, port, directory);
		}
		catch (IOException | RuntimeException ex) {
			ClusterProcess.deleteDirectory(directory);
			throw ex;
		}
	}

	/**
	 * {@code redis-server} on the PATH, or in the usual places; fails the test if none.
	 */
	static Path executable() {
		List<Path> candidates = new ArrayList<>();
		String path = System.getenv("PATH");
		if (path != null) {
			for (String entry : path.split(java.io.File.pathSeparator)) {
				if (!entry.isEmpty()) {
					candidates.add(Path.of(entry, "redis-server"));
				}
			}
		}
		candidates.add(Path.of("/usr/bin/redis-server"));
		candidates.add(Path.of("/usr/sbin/redis-server"));
		candidates.add(Path.of("/usr/local/bin/redis-server"));
		for (Path candidate : candidates) {
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		throw new AssertionError("redis-server is not installed (not on the PATH, nor in /usr/bin, /usr/sbin or "
				+ "/usr/local/bin): RedisIT starts a Redis server of its own. .ci/run installs it from Debian "
				+ "(apt-get install -y redis-server); on another machine install Redis 6 or later");
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private RedisServer awaitReady() {
		await().atMost(STARTUP)
			.pollInterval(Duration.ofMillis(100))
			.ignoreExceptionsInstanceOf(IOException.class)
			.until(() -> {
				if (!this.process.isAlive()) {
					throw new AssertionError("redis-server exited with " + this.process.exitValue() + ":\n" + tail());
				}
				return "PONG".equals(command("PING"));
			});
		return this;
	}

	private void readOutput() {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				this.output.add(line);
			}
		}
		catch (IOException ex) {
			// server gone
		}
	}

	int port() {
		return this.port;
	}

	long pid() {
		return this.process.pid();
	}

	String tail() {
		List<String> all = List.copyOf(this.output);
		return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
	}

	/**
	 * Sends one command over a new connection and returns its reply: a {@code String}
	 * (simple or bulk string, null for a null bulk string), a {@code Long} (integer) or a
	 * {@code List} (array); an error reply throws.
	 */
	Object command(String... arguments) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
			socket.setSoTimeout(10_000);
			ByteArrayOutputStream request = new ByteArrayOutputStream();
			request.writeBytes(("*" + arguments.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
			for (String argument : arguments) {
				byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
				request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
				request.writeBytes(bytes);
				request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
			}
			OutputStream out = socket.getOutputStream();
			out.write(request.toByteArray());
			out.flush();
			return reply(new BufferedInputStream(socket.getInputStream()));
		}
	}

	/** {@code GET key} as a number, 0 when the key does not exist. */
	long getLong(String key) throws IOException {
		Object value = command("GET", key);
		return (value != null) ? Long.parseLong((String) value) : 0;
	}

	boolean exists(String key) throws IOException {
		return (Long) command("EXISTS", key) == 1;
	}

	/** {@code HGETALL key}, field to value. */
	Map<String, String> hash(String key) throws IOException {
		List<?> reply = (List<?>) command("HGETALL", key);
		Map<String, String> hash = new LinkedHashMap<>();
		for (int i = 0; i + 1 < reply.size(); i += 2) {
			hash.put((String) reply.get(i), (String) reply.get(i + 1));
		}
		return hash;
	}

	private static Object reply(InputStream in) throws IOException {
		String line = line(in);
		String rest = line.substring(1);
		switch (line.charAt(0)) {
			case '+':
				return rest;
			case '-':
				throw new IOException("Redis error: " + rest);
			case ':':
				return Long.parseLong(rest);
			case '$': {
				int length = Integer.parseInt(rest);
				if (length < 0) {
					return null;
				}
				byte[] bytes = in.readNBytes(length + 2);
				return new String(bytes, 0, length, StandardCharsets.UTF_8);
			}
			case '*': {
				int count = Integer.parseInt(rest);
				List<Object> items = new ArrayList<>();
				for (int i = 0; i < count; i++) {
					items.add(reply(in));
				}
				return items;
			}
			default:
				throw new IOException("not a RESP reply: " + line);
		}
	}

	private static String line(InputStream in) throws IOException {
		ByteArrayOutputStream buffer = new ByteArrayOutputStream();
		int read;
		while ((read = in.read()) >= 0 && read != '\n') {
			buffer.write(read);
		}
		if (read < 0) {
			throw new IOException("connection closed before a reply");
		}
		String text = buffer.toString(StandardCharsets.UTF_8);
		return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
	}

	/** Kills the server by PID and waits until it is gone. Idempotent. */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		OPEN.remove(this);
		try {
			this.process.destroyForcibly();
			await().atMost(Duration.ofSeconds(15))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> !this.process.isAlive() || ClusterProcess.isGone(this.process.pid()));
		}
		finally {
			ClusterProcess.deleteDirectory(this.directory);
		}
	}

	/**
	 * Kills every Redis server a test class started when the class ends, pass or fail,
	 * whether or not the class still holds it. Register it before {@link ClusterCleanup}
	 * so that the clusters are gone before the server they use.
	 */
	static final class Cleanup implements BeforeAllCallback, AfterAllCallback {

		private static final Namespace NAMESPACE = Namespace.create(Cleanup.class);

		@Override
		public void beforeAll(ExtensionContext context) {
			context.getStore(NAMESPACE).put("open", Set.copyOf(OPEN));
		}

		@Override
		@SuppressWarnings("unchecked")
		public void afterAll(ExtensionContext context) {
			Set<RedisServer> started = new HashSet<>(OPEN);
			Set<RedisServer> before = (Set<RedisServer>) context.getStore(NAMESPACE).get("open", Set.class);
			if (before != null) {
				started.removeAll(before);
			}
			if (context.getExecutionException().isPresent()) {
				started.forEach((server) -> System.out.println(
						"=== redis-server pid " + server.pid() + " port " + server.port() + ":\n" + server.tail()));
			}
			started.forEach(RedisServer::close);
		}

	}

}
