package dev.bootcluster.sample.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Only the master's own workers can command it: a process of the same user that reads a
 * worker's environment ({@code /proc/<pid>/environ}: the master's socket and the worker's
 * token) and floods the master's IPC socket with generated and mutated frames (hellos
 * with the stolen, already used token, with random tokens, with a real worker's id and
 * pid; commands with and without a hello; random bytes, truncated frames, huge length
 * headers, invalid JSON, unknown types) starts no rolling restart, replaces, drains or
 * disturbs no worker, delivers nothing, adds no user, and leaves the master with the
 * threads and file descriptors it had.
 * <p>
 * The frames come from a seeded {@link Random}; the seed is printed, and
 * {@code -Dfuzz.seed=N} replays a run.
 */
class IpcFuzzIT extends ClusterTestSupport {

	/**
	 * Frames the flood writes to the master's socket at least (the frames of a connection
	 * are drawn before it starts: {@link #FRAMES_PER_CONNECTION} each).
	 */
	private static final int MIN_FRAMES = 10_000;

	/** Connections of the flood at least, and at most. */
	private static final int MIN_CONNECTIONS = 1000;

	private static final int MAX_CONNECTIONS = 5000;

	/** Connections started together, before the next frames count is checked. */
	private static final int ROUND = 100;

	private static final int FRAMES_PER_CONNECTION = 12;

	/** Connections under way at once. */
	private static final int CONCURRENCY = 8;

	/**
	 * Connections opened before the flood, each left with nothing or a partial frame
	 * sent, and closed only after it.
	 */
	private static final int HELD_OPEN = 40;

	/** The default {@code cluster.ipc.max-message-size} (1MB). */
	private static final int MAX_MESSAGE_SIZE = 1024 * 1024;

	/**
	 * How far above its count before the flood the master's thread and descriptor counts
	 * may settle (a JIT compiler thread, a lazily opened file).
	 */
	private static final int MARGIN = 2;

	/**
	 * Messages the master sends only to a peer it accepted (or commands a worker with):
	 * no fuzzing connection may ever receive one.
	 */
	private static final Set<String> ACCEPTED_ONLY = Set.of("welcome", "status-reply", "restart-reply", "publish-reply",
			"answer", "deliver", "drain");

	private static final String USERS_COUNT = "dev.bootcluster.sample.users.UsersCount";

	private static final String ADD_USER = "dev.bootcluster.sample.users.AddUser";

	/** A line where the master says it refused or closed an IPC peer. */
	private static final Pattern REFUSAL = Pattern
		.compile("(?i)(ipc|token|hello|peer).*(refus|reject|misbehav|closing|denied|unauthenticated)|"
				+ "(refus|reject|misbehav|closing|denied|unauthenticated).*(ipc|token|hello|peer)");

	@Test
	@SuppressWarnings("unchecked")
	void framesFromAProcessThatStoleAWorkersEnvironmentCommandNothing() throws Exception {
		long seed = Long.getLong("fuzz.seed", System.nanoTime());
		System.out.println("IpcFuzzIT seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
		Random random = new Random(seed);

		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2",
				"--sample.users.count-interval=1s");
		this.cluster.awaitReady(2);
		long master = this.cluster.masterPid();
		List<Long> workerPids = this.cluster.workerPids();
		assertThat(workerPids).hasSize(2);
		Map<String, Object> before = this.cluster.status();
		assertThat(pidsOf(before)).containsExactlyInAnyOrderElementsOf(workerPids);

		// what a process of the same user can read: each worker's socket path and token
		List<Identity> workers = new ArrayList<>();
		for (long pid : workerPids) {
			Map<String, String> environment = ClusterProcess.environment(pid);
			assertThat(environment).as("cluster variables of worker pid %d", pid)
				.containsKeys("BOOTCLUSTER_SOCKET", "BOOTCLUSTER_TOKEN", "BOOTCLUSTER_WORKER_ID");
			workers.add(new Identity(Integer.parseInt(environment.get("BOOTCLUSTER_WORKER_ID")), pid,
					environment.get("BOOTCLUSTER_TOKEN"), Path.of(environment.get("BOOTCLUSTER_SOCKET"))));
		}
		Path socket = workers.get(0).socket();
		assertThat(workers).extracting(Identity::socket).containsOnly(socket);
		assertThat(workers.get(0).token()).as("each worker has a token of its own")
			.isNotEqualTo(workers.get(1).token());

		// the master at rest: its counts must be stable before they are a baseline
		int threadsBefore = stable(() -> ClusterProcess.threadCount(master));
		int fdsBefore = stable(() -> ClusterProcess.fdCount(master));
		long usersRunBefore = usersRuns().values().stream().mapToLong(Long::longValue).max().orElseThrow();
		System.out.printf("IpcFuzzIT: master pid %d has %d threads and %d descriptors before the flood%n", master,
				threadsBefore, fdsBefore);

		// the plans are drawn in order from the seed, so a replay sends the same bytes;
		// rounds of connections go on until 10,000 frames were written to the socket
		// (a frame after the first bad one of a connection often finds it closed)
		Generator generator = new Generator(random, workers);
		Stats stats = new Stats();
		ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
		List<SocketChannel> held = new ArrayList<>();
		AtomicInteger peakThreads = new AtomicInteger();
		int connections = 0;
		long startedAt = System.nanoTime();
		try {
			for (int i = 0; i < HELD_OPEN; i++) {
				SocketChannel channel = connect(socket);
				held.add(channel);
				byte[] partial = generator.partial(i);
				if (partial.length > 0) {
					writeFully(channel, partial);
				}
			}
			ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
			try {
				while (connections < MIN_CONNECTIONS || stats.written.sum() < MIN_FRAMES) {
					assertThat(connections).as("connections needed for %d frames written", MIN_FRAMES)
						.isLessThan(MAX_CONNECTIONS);
					List<Future<?>> round = new ArrayList<>();
					for (int i = 0; i < ROUND; i++) {
						Plan plan = generator.connection(connections++);
						round.add(pool.submit(() -> {
							run(plan, socket, stats, watchdog);
							return null;
						}));
					}
					for (Future<?> future : round) {
						future.get(2, TimeUnit.MINUTES);
					}
					peakThreads.accumulateAndGet(ClusterProcess.threadCount(master), Math::max);
				}
			}
			finally {
				pool.shutdownNow();
			}
			assertThat(this.cluster.master().isAlive()).as("master alive after the flood, held connections open")
				.isTrue();
		}
		finally {
			for (SocketChannel channel : held) {
				closeQuietly(channel);
			}
			watchdog.shutdownNow();
		}
		long tookMillis = (System.nanoTime() - startedAt) / 1_000_000;
		System.out.printf(
				"IpcFuzzIT: %d connections (+%d held open) in %d ms: %d frames generated, %d written (%d bytes), "
						+ "%d connections cut while writing, %d not closed by the master within 5 s of our EOF; "
						+ "openings %s; frame kinds %s; received from the master %s; master threads peaked at %d%n",
				connections, HELD_OPEN, tookMillis, stats.generated.sum(), stats.written.sum(), stats.bytes.sum(),
				stats.cutWhileWriting.sum(), stats.notClosed.sum(), new TreeMap<>(generator.openings),
				new TreeMap<>(generator.kinds), new TreeMap<>(stats.received), peakThreads.get());

		assertThat(stats.written.sum()).as("frames written to the master's socket").isGreaterThanOrEqualTo(MIN_FRAMES);
		assertThat(this.cluster.master().isAlive()).as("master alive after the flood").isTrue();
		assertThat(stats.received.keySet()).as("messages the master sent to fuzzing connections (by type)")
			.doesNotContainAnyElementsOf(ACCEPTED_ONLY);

		// nothing changed: no rolling restart, the same processes, all READY, no restart
		Map<String, Object> after = this.cluster.status();
		assertThat(after.get("restart")).as("rolling restart in %s", after).isNull();
		assertThat(after).containsEntry("ready", 2).containsEntry("restarts", 0);
		assertThat(pidsOf(after)).containsExactlyInAnyOrderElementsOf(workerPids);
		assertThat((List<Map<String, Object>>) after.get("workers"))
			.allSatisfy((worker) -> assertThat(worker).containsEntry("state", "READY")
				.containsEntry("restarts", 0)
				.containsEntry("replacements", 0)
				.containsEntry("lastExit", null));
		assertThat(this.cluster.allSeenWorkerPids()).as("every worker the master ever started")
			.containsExactlyInAnyOrderElementsOf(workerPids);
		// both workers' own links still work: each answers the status by asking the
		// master
		assertThat(this.cluster.fromEveryWorker("/actuator/cluster")).containsOnlyKeys(workerPids);

		// nothing was delivered and no request was answered: a fresh count from the
		// master still says 3 users everywhere, and no worker got a fuzzed broadcast
		await().atMost(Duration.ofSeconds(30))
			.until(() -> usersRuns().values().stream().allMatch((run) -> run > usersRunBefore + 1));
		assertThat(this.cluster.fromEveryWorker("/users/count").values()).allSatisfy((count) -> {
			assertThat(count).containsEntry("count", 3);
			assertThat(((Number) count.get("computedBy")).longValue()).isEqualTo(master);
		});
		assertThat(this.cluster.fromEveryWorker("/messages").values())
			.allSatisfy((messages) -> assertThat((List<Map<String, Object>>) messages.get("untyped"))
				.noneSatisfy((message) -> assertThat((String) message.get("topic")).startsWith("fuzz")));

		// and the master gave back what the connections took
		AtomicInteger threads = new AtomicInteger();
		AtomicInteger fds = new AtomicInteger();
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			threads.set(ClusterProcess.threadCount(master));
			fds.set(ClusterProcess.fdCount(master));
			assertThat(threads.get()).as("master threads (%d before the flood)", threadsBefore)
				.isLessThanOrEqualTo(threadsBefore + MARGIN);
			assertThat(fds.get()).as("master descriptors (%d before the flood)", fdsBefore)
				.isLessThanOrEqualTo(fdsBefore + MARGIN);
		});
		System.out.printf("IpcFuzzIT: master back to %d threads and %d descriptors (before: %d and %d)%n",
				threads.get(), fds.get(), threadsBefore, fdsBefore);

		List<String> masterLines = this.cluster.masterLines();
		List<String> refusals = masterLines.stream().filter((line) -> REFUSAL.matcher(line).find()).toList();
		System.out.printf("IpcFuzzIT: the master logged %d refusals, e.g.:%n  %s%n", refusals.size(),
				String.join("\n  ", refusals.subList(0, Math.min(5, refusals.size()))));
		assertThat(refusals).as("the master's refusals of fuzzing peers").isNotEmpty();
		assertThat(masterLines).noneSatisfy((line) -> assertThat(line).contains("Rolling restart"));
	}

	/** One pass of a planned connection: connect, write, half-close, read until EOF. */
	private static void run(Plan plan, Path socket, Stats stats, ScheduledExecutorService watchdog) {
		stats.generated.add(plan.frames().size());
		SocketChannel channel;
		try {
			channel = connect(socket);
		}
		catch (IOException ex) {
			stats.count(stats.received, "<connect failed: " + ex.getMessage() + ">");
			return;
		}
		AtomicBoolean timedOut = new AtomicBoolean();
		ScheduledFuture<?> deadline = watchdog.schedule(() -> {
			timedOut.set(true);
			closeQuietly(channel);
		}, 5, TimeUnit.SECONDS);
		try {
			write(plan, channel, stats);
			try {
				channel.shutdownOutput();
			}
			catch (IOException ex) {
				// closed by the master already
			}
			ByteArrayOutputStream received = new ByteArrayOutputStream();
			ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
			try {
				while (channel.read(buffer.clear()) >= 0) {
					received.write(buffer.array(), 0, buffer.position());
				}
			}
			catch (IOException ex) {
				// reset by the master, or closed by the watchdog
			}
			if (timedOut.get()) {
				stats.notClosed.increment();
			}
			for (String type : types(received.toByteArray())) {
				stats.count(stats.received, type);
			}
		}
		finally {
			deadline.cancel(false);
			closeQuietly(channel);
		}
	}

	private static void write(Plan plan, SocketChannel channel, Stats stats) {
		try {
			switch (plan.mode()) {
				case BATCH -> {
					ByteArrayOutputStream all = new ByteArrayOutputStream();
					for (byte[] frame : plan.frames()) {
						all.write(frame);
					}
					writeFully(channel, all.toByteArray());
					stats.written.add(plan.frames().size());
					stats.bytes.add(all.size());
				}
				case PER_FRAME -> {
					for (byte[] frame : plan.frames()) {
						writeFully(channel, frame);
						stats.written.increment();
						stats.bytes.add(frame.length);
					}
				}
				case CHUNKED -> {
					Random chunks = new Random(plan.index());
					for (byte[] frame : plan.frames()) {
						for (int at = 0; at < frame.length;) {
							int length = Math.min(frame.length - at, 1 + chunks.nextInt(48));
							writeFully(channel, java.util.Arrays.copyOfRange(frame, at, at + length));
							at += length;
						}
						stats.written.increment();
						stats.bytes.add(frame.length);
					}
				}
			}
		}
		catch (IOException ex) {
			// the master closed the connection (what it should do, at the first bad
			// frame)
			stats.cutWhileWriting.increment();
		}
	}

	private static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		while (buffer.hasRemaining()) {
			channel.write(buffer);
		}
	}

	private static SocketChannel connect(Path socket) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			channel.connect(UnixDomainSocketAddress.of(socket));
			return channel;
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
	}

	private static void closeQuietly(SocketChannel channel) {
		try {
			channel.close();
		}
		catch (IOException ex) {
			// closing
		}
	}

	private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]*)\"");

	/** The type of every frame the master sent (or a marker for what is not a frame). */
	private static List<String> types(byte[] bytes) {
		List<String> types = new ArrayList<>();
		ByteBuffer in = ByteBuffer.wrap(bytes);
		while (in.remaining() >= 4) {
			int length = in.getInt();
			if (length <= 0 || length > in.remaining()) {
				types.add("<not a frame>");
				return types;
			}
			byte[] json = new byte[length];
			in.get(json);
			Matcher type = TYPE.matcher(new String(json, StandardCharsets.UTF_8));
			types.add(type.find() ? type.group(1) : "<no type>");
		}
		if (in.hasRemaining()) {
			types.add("<partial frame>");
		}
		return types;
	}

	@SuppressWarnings("unchecked")
	private static List<Long> pidsOf(Map<String, Object> status) {
		return ((List<Map<String, Object>>) status.get("workers")).stream()
			.map((worker) -> ((Number) worker.get("pid")).longValue())
			.toList();
	}

	/** Every worker's latest count run, by PID. */
	private Map<Long, Long> usersRuns() throws IOException {
		Map<Long, Long> runs = new java.util.HashMap<>();
		this.cluster.fromEveryWorker("/users/count")
			.forEach((pid, count) -> runs.put(pid, ((Number) count.get("run")).longValue()));
		return runs;
	}

	/** A count once it reads the same twice in a row, half a second apart. */
	private static int stable(IoCount count) {
		AtomicInteger last = new AtomicInteger(-1);
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
			int now = count.get();
			return last.getAndSet(now) == now;
		});
		return last.get();
	}

	@FunctionalInterface
	private interface IoCount {

		int get() throws IOException;

	}

	/**
	 * A worker as a thief sees it in its environment.
	 *
	 * @param id worker id
	 * @param pid its process id
	 * @param token its token
	 * @param socket the master's socket
	 */
	private record Identity(int id, long pid, String token, Path socket) {
	}

	private enum Mode {

		/** All frames in one write. */
		BATCH,

		/** One write per frame. */
		PER_FRAME,

		/** Frames cut in small writes. */
		CHUNKED

	}

	/**
	 * One connection's frames, encoded (or broken) in advance.
	 *
	 * @param index connection number
	 * @param mode how to write them
	 * @param frames the bytes of each frame
	 */
	private record Plan(int index, Mode mode, List<byte[]> frames) {
	}

	private static final class Stats {

		final LongAdder generated = new LongAdder();

		final LongAdder written = new LongAdder();

		final LongAdder bytes = new LongAdder();

		final LongAdder cutWhileWriting = new LongAdder();

		final LongAdder notClosed = new LongAdder();

		final Map<String, AtomicLong> received = new ConcurrentHashMap<>();

		void count(Map<String, AtomicLong> counts, String key) {
			counts.computeIfAbsent(key, (k) -> new AtomicLong()).incrementAndGet();
		}

	}

	/** Draws frames from the seeded random. */
	private static final class Generator {

		private static final String[] COMMANDS = { "restart-request", "publish", "ask", "ready", "heartbeat",
				"liveness", "drain", "status-request", "delivered", "publish-retained-count", "hello-again" };

		private static final String[] UNKNOWN_TYPES = { "shutdown", "stop", "kill", "exec", "Hello", "HELLO", "restart",
				"restartRequest", "java.lang.Runtime", "dev.bootcluster.ipc.Message$Hello", "", "status-reply",
				"welcome", "answer", "deliver" };

		private static final String[] INVALID_JSON = { "{", "}", "[]", "null", "true", "42", "\"hello\"", "{\"type\":",
				"{\"type\":null}", "{\"type\":42}", "{\"type\":[\"hello\"]}", "{'type':'hello'}",
				"{\"type\":\"hello\",}", "{\"type\":\"hello\"", "\u0000\u0000\u0000", "{\"type\":\"hello\"}}}}",
				"\uFEFF{\"type\":\"ready\",\"workerId\":1}", "{\"@class\":\"java.lang.ProcessBuilder\"}" };

		private final Random random;

		private final List<Identity> workers;

		private final Map<String, Integer> openings = new ConcurrentHashMap<>();

		private final Map<String, Integer> kinds = new ConcurrentHashMap<>();

		Generator(Random random, List<Identity> workers) {
			this.random = random;
			this.workers = workers;
		}

		Plan connection(int index) {
			List<byte[]> frames = new ArrayList<>();
			frames.add(opening());
			for (int i = 1; i < FRAMES_PER_CONNECTION; i++) {
				boolean last = i == FRAMES_PER_CONNECTION - 1;
				frames.add(next(last));
			}
			// mostly in one write: those frames reach the socket before the master can
			// refuse
			// the first one and close
			int draw = this.random.nextInt(10);
			Mode mode = (draw < 6) ? Mode.BATCH : (draw < 8) ? Mode.PER_FRAME : Mode.CHUNKED;
			return new Plan(index, mode, frames);
		}

		/** What a held-open connection leaves behind: nothing, or part of a frame. */
		byte[] partial(int index) {
			switch (index % 4) {
				case 0:
					return new byte[0];
				case 1:
					// a header and no more
					return header(200);
				case 2: {
					byte[] hello = frame(hello(worker(), worker().token()));
					return java.util.Arrays.copyOf(hello, 4 + (hello.length - 4) / 2);
				}
				default:
					// two bytes of a header
					return new byte[] { 0, 0 };
			}
		}

		private byte[] opening() {
			Identity worker = worker();
			int choice = this.random.nextInt(100);
			String kind;
			byte[] frame;
			if (choice < 30) {
				kind = "hello-stolen-token";
				frame = frame(hello(worker, worker.token()));
			}
			else if (choice < 38) {
				kind = "hello-stolen-token-other-id";
				frame = frame(helloJson(1 + this.random.nextInt(8), this.random.nextInt(1 << 22), worker.token()));
			}
			else if (choice < 48) {
				kind = "hello-real-pid-random-token";
				frame = frame(hello(worker, randomToken(worker.token().length())));
			}
			else if (choice < 56) {
				kind = "hello-real-pid-token-off-by-one-char";
				frame = frame(hello(worker, offByOne(worker.token())));
			}
			else if (choice < 64) {
				kind = "hello-random";
				frame = frame(helloJson(this.random.nextInt(300) - 10, this.random.nextLong(),
						randomToken(1 + this.random.nextInt(80))));
			}
			else if (choice < 72) {
				kind = "hello-malformed";
				frame = frame(malformedHello(worker));
			}
			else if (choice < 80) {
				kind = "hello-mutated";
				frame = frame(mutate(hello(worker, worker.token())));
			}
			else if (choice < 92) {
				kind = "no-hello";
				frame = frame(command(worker, COMMANDS[this.random.nextInt(COMMANDS.length)]));
			}
			else {
				kind = "garbage-first";
				frame = garbage(false);
			}
			this.openings.merge(kind, 1, Integer::sum);
			return frame;
		}

		private byte[] next(boolean last) {
			Identity worker = worker();
			int choice = this.random.nextInt(100);
			String kind;
			byte[] frame;
			if (choice < 55) {
				String command = COMMANDS[this.random.nextInt(COMMANDS.length)];
				kind = "command:" + command;
				frame = frame(command(worker, command));
			}
			else if (choice < 70) {
				kind = "mutated-command";
				frame = frame(mutate(command(worker, COMMANDS[this.random.nextInt(COMMANDS.length)])));
			}
			else {
				kind = "garbage";
				frame = garbage(last);
			}
			this.kinds.merge(kind, 1, Integer::sum);
			return frame;
		}

		/**
		 * Not a valid message: random bytes, invalid JSON, an unknown type, a huge or
		 * impossible length header, or (as a connection's last frame) a truncated one.
		 */
		private byte[] garbage(boolean last) {
			int choice = this.random.nextInt(last ? 7 : 6);
			this.kinds.merge("garbage-" + choice, 1, Integer::sum);
			switch (choice) {
				case 0: {
					byte[] bytes = new byte[1 + this.random.nextInt(this.random.nextInt(10) == 0 ? 60_000 : 2_000)];
					this.random.nextBytes(bytes);
					return frame(bytes);
				}
				case 1:
					return frame(
							INVALID_JSON[this.random.nextInt(INVALID_JSON.length)].getBytes(StandardCharsets.UTF_8));
				case 2:
					return frame(("{\"type\":\"" + UNKNOWN_TYPES[this.random.nextInt(UNKNOWN_TYPES.length)]
							+ "\",\"workerId\":1,\"pid\":1,\"token\":\"x\",\"requestId\":1,\"trigger\":\"fuzz\"}")
						.getBytes(StandardCharsets.UTF_8));
				case 3: {
					// a length the master must refuse before reading a byte of it
					int[] lengths = { MAX_MESSAGE_SIZE + 1, Integer.MAX_VALUE, 0, -1, Integer.MIN_VALUE,
							MAX_MESSAGE_SIZE + 1 + this.random.nextInt(Integer.MAX_VALUE - MAX_MESSAGE_SIZE - 1) };
					return header(lengths[this.random.nextInt(lengths.length)]);
				}
				case 4: {
					// deeply nested JSON
					int depth = 500 + this.random.nextInt(20_000);
					String json = "[".repeat(depth) + "]".repeat(depth);
					return frame(json.getBytes(StandardCharsets.UTF_8));
				}
				case 5: {
					// a header that disagrees with its payload: longer than what follows
					// (the next frames become its payload)
					byte[] json = command(worker(), "publish");
					ByteBuffer frame = ByteBuffer.allocate(4 + json.length);
					frame.putInt(json.length + 1 + this.random.nextInt(64)).put(json);
					return frame.array();
				}
				default: {
					// truncated: the connection ends inside the frame
					byte[] whole = frame(command(worker(), COMMANDS[this.random.nextInt(COMMANDS.length)]));
					return java.util.Arrays.copyOf(whole, 1 + this.random.nextInt(whole.length - 1));
				}
			}
		}

		private byte[] command(Identity worker, String command) {
			long requestId = this.random.nextInt(1 << 20);
			int id = this.random.nextBoolean() ? worker.id() : this.random.nextInt(10);
			String json = switch (command) {
				case "restart-request" ->
					"{\"type\":\"restart-request\",\"requestId\":" + requestId + ",\"trigger\":\"fuzz\"}";
				case "publish" -> "{\"type\":\"publish\",\"requestId\":" + requestId + ",\"target\":"
						+ this.random.nextInt(3) + ",\"topic\":\"fuzz-" + this.random.nextInt(100)
						+ "\",\"payloadType\":null,\"payload\":{\"fuzz\":" + this.random.nextInt() + "},\"retained\":"
						+ this.random.nextBoolean() + "}";
				case "publish-retained-count" -> "{\"type\":\"publish\",\"requestId\":" + requestId
						+ ",\"target\":0,\"topic\":\"" + USERS_COUNT + "\",\"payloadType\":\"" + USERS_COUNT
						+ "\",\"payload\":{\"count\":999,\"computedAt\":\"2020-01-01T00:00:00Z\",\"computedBy\":4242,"
						+ "\"run\":999999},\"retained\":true}";
				case "ask" -> "{\"type\":\"ask\",\"requestId\":" + requestId + ",\"payloadType\":\"" + ADD_USER
						+ "\",\"payload\":{\"name\":\"fuzz-" + this.random.nextInt(1000) + "\"}}";
				case "ready" -> "{\"type\":\"ready\",\"workerId\":" + id + "}";
				case "heartbeat" -> "{\"type\":\"heartbeat\",\"workerId\":" + id + ",\"heapUsedBytes\":"
						+ this.random.nextInt(Integer.MAX_VALUE) + "}";
				case "liveness" -> "{\"type\":\"liveness\",\"broken\":true}";
				case "drain" -> "{\"type\":\"drain\",\"quietPeriodMillis\":0,\"keepAliveMillis\":0,\"timeoutMillis\":"
						+ this.random.nextInt(1000) + "}";
				case "status-request" -> "{\"type\":\"status-request\",\"requestId\":" + requestId + "}";
				case "delivered" -> "{\"type\":\"delivered\",\"deliveryId\":" + this.random.nextInt(100) + "}";
				case "hello-again" -> new String(hello(worker, worker.token()), StandardCharsets.UTF_8);
				default -> throw new IllegalArgumentException(command);
			};
			return json.getBytes(StandardCharsets.UTF_8);
		}

		private byte[] hello(Identity worker, String token) {
			return helloJson(worker.id(), worker.pid(), token);
		}

		private byte[] helloJson(int workerId, long pid, String token) {
			return ("{\"type\":\"hello\",\"workerId\":" + workerId + ",\"pid\":" + pid + ",\"token\":\"" + token
					+ "\"}")
				.getBytes(StandardCharsets.UTF_8);
		}

		private byte[] malformedHello(Identity worker) {
			String[] variants = { "{\"type\":\"hello\",\"workerId\":" + worker.id() + ",\"pid\":" + worker.pid() + "}",
					"{\"type\":\"hello\",\"workerId\":" + worker.id() + ",\"pid\":" + worker.pid() + ",\"token\":null}",
					"{\"type\":\"hello\",\"workerId\":" + worker.id() + ",\"pid\":" + worker.pid() + ",\"token\":"
							+ this.random.nextInt() + "}",
					"{\"type\":\"hello\",\"workerId\":\""
							+ worker.id() + "\",\"pid\":\"" + worker.pid() + "\",\"token\":\"\"}",
					"{\"type\":\"hello\",\"token\":\"" + worker.token() + "\"}",
					"{\"type\":\"hello\",\"workerId\":" + worker.id() + ",\"pid\":-1,\"token\":\"" + worker.token()
							+ "\",\"admin\":true}",
					"{\"type\":\"hello\",\"workerId\":" + worker.id() + ",\"pid\":" + worker.pid() + ",\"token\":\""
							+ worker.token() + "\",\"type\":\"hello\"}",
					"{\"type\":\"hello\",\"workerId\":" + worker.id() + ",\"pid\":" + worker.pid() + ",\"token\":\""
							+ worker.token().repeat(1 + this.random.nextInt(5000)) + "\"}",
					"{\"type\":\"hello\",\"workerId\":" + worker.id() + ",\"pid\":" + worker.pid() + ",\"token\":[\""
							+ worker.token() + "\"]}" };
			return variants[this.random.nextInt(variants.length)].getBytes(StandardCharsets.UTF_8);
		}

		/** Flips, drops, duplicates or inserts bytes. */
		private byte[] mutate(byte[] json) {
			byte[] bytes = json.clone();
			int mutations = 1 + this.random.nextInt(4);
			for (int m = 0; m < mutations && bytes.length > 1; m++) {
				int at = this.random.nextInt(bytes.length);
				switch (this.random.nextInt(4)) {
					case 0 -> bytes[at] ^= (byte) (1 << this.random.nextInt(8));
					case 1 -> {
						int length = 1 + this.random.nextInt(Math.min(8, bytes.length - at));
						byte[] shorter = new byte[bytes.length - length];
						System.arraycopy(bytes, 0, shorter, 0, at);
						System.arraycopy(bytes, at + length, shorter, at, bytes.length - at - length);
						bytes = (shorter.length > 0) ? shorter : bytes;
					}
					case 2 -> {
						int length = 1 + this.random.nextInt(Math.min(8, bytes.length - at));
						byte[] longer = new byte[bytes.length + length];
						System.arraycopy(bytes, 0, longer, 0, at + length);
						System.arraycopy(bytes, at, longer, at + length, bytes.length - at);
						bytes = longer;
					}
					default -> {
						byte[] longer = new byte[bytes.length + 1];
						System.arraycopy(bytes, 0, longer, 0, at);
						String alphabet = "{}[]\":,\\0123456789eE.-+ntfu\u0000\u00ff";
						longer[at] = (byte) alphabet.charAt(this.random.nextInt(alphabet.length()));
						System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
						bytes = longer;
					}
				}
			}
			return bytes;
		}

		private String randomToken(int length) {
			String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
			StringBuilder token = new StringBuilder();
			for (int i = 0; i < length; i++) {
				token.append(alphabet.charAt(this.random.nextInt(alphabet.length())));
			}
			return token.toString();
		}

		private String offByOne(String token) {
			char[] chars = token.toCharArray();
			int at = this.random.nextInt(chars.length);
			chars[at] = (chars[at] == 'A') ? 'B' : 'A';
			return new String(chars);
		}

		private Identity worker() {
			return this.workers.get(this.random.nextInt(this.workers.size()));
		}

		private static byte[] frame(byte[] payload) {
			return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
		}

		private static byte[] header(int length) {
			return ByteBuffer.allocate(4).putInt(length).array();
		}

	}

}
