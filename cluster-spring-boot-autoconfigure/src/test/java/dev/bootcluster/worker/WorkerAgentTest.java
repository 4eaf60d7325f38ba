package dev.bootcluster.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.IpcException;
import dev.bootcluster.ipc.Message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Tests for {@link WorkerAgent}'s deliveries against a fake master on a real Unix domain
 * socket: they run in order on the thread that read them, and reading never waits for a
 * listener.
 */
class WorkerAgentTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private static final JsonNode PAYLOAD = JsonNodeFactory.instance.stringNode("p");

	private final FrameCodec codec = new FrameCodec(64 * 1024);

	private Path root;

	private ServerSocketChannel server;

	private WorkerAgent agent;

	private IpcChannel master;

	/** Agents a test connected besides the first, closed before their masters. */
	private final List<Connected> others = new CopyOnWriteArrayList<>();

	private final List<String> seen = new CopyOnWriteArrayList<>();

	@BeforeEach
	void connect() throws IOException {
		// under /tmp, not the (possibly long) java.io.tmpdir: socket paths are limited to
		// ~107 bytes
		this.root = Files.createTempDirectory(Path.of("/tmp"), "agent-");
		Path socket = this.root.resolve("m.sock");
		this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		this.server.bind(UnixDomainSocketAddress.of(socket));
		// heartbeats rarely (the first goes at once): the fake master skips them
		this.agent = WorkerAgent.connect(new WorkerEnvironment(1, socket, "token", ProcessHandle.current().pid(), 0,
				null, 64 * 1024, 600_000, false));
		this.master = new IpcChannel(this.server.accept(), this.codec);
		assertThat(next()).isInstanceOf(Message.Hello.class);
		// right after it, to a master that relays queries
		assertThat(next()).isEqualTo(new Message.Features(WorkerEnvironment.PROTOCOL));
	}

	@AfterEach
	void close() throws IOException {
		// the agent first: a worker whose master closes the link halts its JVM
		for (Connected other : this.others) {
			other.agent().close();
			other.master().close();
		}
		if (this.agent != null) {
			this.agent.close();
		}
		if (this.master != null) {
			this.master.close();
		}
		this.server.close();
		Files.deleteIfExists(this.root.resolve("m.sock"));
		Files.deleteIfExists(this.root);
	}

	@Test
	void ageIsNullBeforeTheFirstStatusThenTheTimeSinceTheLatestArrived() throws IOException {
		assertThat(this.agent.latestStatus()).isNull();
		assertThat(this.agent.latestStatusAge()).isNull();
		ClusterSnapshot first = snapshot(2);
		long firstSent = System.nanoTime();
		this.master.send(new Message.StatusReply(0, first));
		await().atMost(TIMEOUT).until(() -> first.equals(this.agent.latestStatus()));
		long firstSeen = System.nanoTime();
		// it arrived between sending and seeing it, and it ages
		await().atMost(TIMEOUT).until(() -> this.agent.latestStatusAge().compareTo(Duration.ofMillis(50)) > 0);
		long before = System.nanoTime();
		Duration age = this.agent.latestStatusAge();
		long after = System.nanoTime();
		assertThat(age).isBetween(Duration.ofNanos(before - firstSeen), Duration.ofNanos(after - firstSent));
		// the next push (here a pushed one, requestId 0) makes it young again
		ClusterSnapshot second = snapshot(3);
		long secondSent = System.nanoTime();
		this.master.send(new Message.StatusReply(0, second));
		await().atMost(TIMEOUT).until(() -> second.equals(this.agent.latestStatus()));
		assertThat(this.agent.latestStatusAge()).isLessThanOrEqualTo(Duration.ofNanos(System.nanoTime() - secondSent));
	}

	@Test
	void storeRequestsGoCompactWhenTheMasterSaysItReadsThemAndAsJsonWhenNot() throws Exception {
		CompletableFuture<Message.StoreReply> answer = CompletableFuture
			.supplyAsync(() -> this.agent.store(Message.StoreOp.GET, "k", null, null, 0, TIMEOUT));
		Message.StoreRequest request = (Message.StoreRequest) next();
		assertThat(request.key()).isEqualTo("k");
		assertThat(this.master.compactStoreFrames()).as("the master's side, told by the request's form").isTrue();
		this.master.sendDirect(new Message.StoreReply(request.requestId(), true, new byte[] { 7 }, null, null), true);
		assertThat(answer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).value()).containsExactly(7);

		// a master of an earlier version sets no variable: JSON, which it reads
		Connected earlier = connect(64 * 1024, 600_000, WorkerEnvironment.PROTOCOL_FIRST);
		CompletableFuture<Message.StoreReply> jsonAnswer = CompletableFuture
			.supplyAsync(() -> earlier.agent().store(Message.StoreOp.GET, "j", null, null, 0, TIMEOUT));
		Message first;
		do {
			first = receive(earlier.master());
		}
		while (first instanceof Message.Heartbeat || first instanceof Message.Pulse);
		Message.StoreRequest jsonRequest = (Message.StoreRequest) first;
		assertThat(earlier.master().compactStoreFrames()).isFalse();
		earlier.master().send(new Message.StoreReply(jsonRequest.requestId(), false, null, null, null));
		assertThat(jsonAnswer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).success()).isFalse();
	}

	private static ClusterSnapshot snapshot(int desired) {
		return new ClusterSnapshot(ClusterRole.MASTER, 999, desired, 0, 0, 8080, List.of(), null, "reuseport", null);
	}

	/**
	 * WebFlux interrupts the thread of a cancelled request (its client went away), and a
	 * channel closes when a thread doing I/O on it is interrupted: such a sender must
	 * leave the link working (before, the worker lost it and halted).
	 */
	@Test
	void anInterruptedSenderLeavesTheLinkWorkingAndKeepsItsInterrupt() throws Exception {
		AtomicBoolean keptInterrupt = new AtomicBoolean();
		Thread sender = new Thread(() -> {
			Thread.currentThread().interrupt();
			this.agent.ready();
			keptInterrupt.set(Thread.currentThread().isInterrupted());
		});
		sender.start();
		sender.join(TIMEOUT.toMillis());
		assertThat(next()).isInstanceOf(Message.Ready.class);
		assertThat(keptInterrupt).isTrue();
		this.agent.ready();
		assertThat(next()).isInstanceOf(Message.Ready.class);
	}

	@Test
	void deliveriesRunInOrderOnTheThreadThatReadThemAndAreAcknowledgedOnReceipt() throws Exception {
		open((deliver) -> this.seen.add(deliver.deliveryId() + "@" + Thread.currentThread().getName()));
		for (long id = 1; id <= 3; id++) {
			this.master.send(deliver(id));
		}
		for (long id = 1; id <= 3; id++) {
			assertThat(next()).isEqualTo(new Message.Delivered(id));
		}
		awaitSeen(3);
		// on the reading thread (a "-2" one only if a stall of over 100 ms made it hand
		// the reading over)
		assertThat(this.seen).hasSize(3).allSatisfy((seen) -> assertThat(seen).contains("@cluster-master-link"));
		assertThat(this.seen).extracting((seen) -> seen.substring(0, seen.indexOf('@'))).containsExactly("1", "2", "3");
	}

	@Test
	void valuesThatArriveBeforeDeliveryOpensRunFirstInOrder() throws Exception {
		this.master.send(new Message.Deliver(1, 0, "a", null, PAYLOAD, true));
		this.master.send(new Message.Deliver(2, 0, "b", null, PAYLOAD, true));
		this.master.send(new Message.Welcome(2));
		assertThat(next()).isEqualTo(new Message.Delivered(1));
		assertThat(next()).isEqualTo(new Message.Delivered(2));
		int retained = assertTimeoutPreemptively(TIMEOUT,
				() -> this.agent.startDelivery((deliver) -> this.seen.add(deliver.topic()), TIMEOUT));
		assertThat(retained).isEqualTo(2);
		assertThat(this.seen).containsExactly("a", "b");
	}

	@Test
	void aListenerThatAsksTheMasterHandsTheReadingOverInsteadOfWaitingForItself() throws Exception {
		CompletableFuture<String> answered = new CompletableFuture<>();
		open((deliver) -> {
			if (deliver.deliveryId() == 1) {
				Message.Answer answer = this.agent.ask("q", PAYLOAD, TIMEOUT);
				answered.complete(answer.payload().asString() + "@" + Thread.currentThread().getName());
			}
			else {
				this.seen.add(deliver.deliveryId() + "@" + Thread.currentThread().getName());
			}
		});
		this.master.send(deliver(1));
		assertThat(next()).isEqualTo(new Message.Delivered(1));
		Message.Ask ask = (Message.Ask) next();
		this.master.send(new Message.Answer(ask.requestId(), "java.lang.String",
				JsonNodeFactory.instance.stringNode("yes"), null));
		assertThat(answered.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("yes@cluster-master-link");
		// a second thread read the answer; deliveries go on (on either thread, in order)
		assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).contains("cluster-master-link-2");
		this.master.send(deliver(2));
		assertThat(next()).isEqualTo(new Message.Delivered(2));
		awaitSeen(1);
		assertThat(this.seen).singleElement().asString().startsWith("2@cluster-master-link");
	}

	@Test
	void aSlowListenerDoesNotHoldUpReadingAndTheDeliveriesBehindItKeepTheirOrder() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		open((deliver) -> {
			if (deliver.deliveryId() == 1) {
				awaitLatch(release);
			}
			this.seen.add(String.valueOf(deliver.deliveryId()));
		});
		this.master.send(deliver(1));
		assertThat(next()).isEqualTo(new Message.Delivered(1));
		// while listener 1 blocks: later deliveries are acknowledged and another thread's
		// request answered
		this.master.send(deliver(2));
		this.master.send(deliver(3));
		assertThat(next()).isEqualTo(new Message.Delivered(2));
		assertThat(next()).isEqualTo(new Message.Delivered(3));
		CompletableFuture<Message.Answer> asked = CompletableFuture
			.supplyAsync(() -> this.agent.ask("q", PAYLOAD, TIMEOUT));
		Message.Ask ask = (Message.Ask) next();
		this.master.send(new Message.Answer(ask.requestId(), null, null, "no"));
		assertThat(asked.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).error()).isEqualTo("no");
		assertThat(this.seen).isEmpty();
		release.countDown();
		awaitSeen(3);
		assertThat(this.seen).containsExactly("1", "2", "3");
	}

	// ---- what goes first ----

	@Test
	void acknowledgementsGoAheadOfTheRequestsQueuedBeforeThem() throws Exception {
		// room in the agent's queue for more than the connection buffers
		Connected link = connect(256 * 1024, 600_000);
		link.master().send(new Message.Welcome(0));
		// a delivery's listener runs after its acknowledgement was queued
		CompletableFuture<Long> acknowledged = new CompletableFuture<>();
		assertThat(assertTimeoutPreemptively(TIMEOUT,
				() -> link.agent().startDelivery((deliver) -> acknowledged.complete(deliver.deliveryId()), TIMEOUT)))
			.isZero();
		JsonNode large = JsonNodeFactory.instance.stringNode("x".repeat(60 * 1024));
		// while the master reads nothing: requests enough to block the agent's writer
		// with some of them still queued
		long buffered = link.socket().getOption(StandardSocketOptions.SO_SNDBUF)
				+ (long) link.socket().getOption(StandardSocketOptions.SO_RCVBUF);
		int requests = (int) (2 * buffered / large.asString().length()) + 2;
		List<Thread> askers = new ArrayList<>();
		List<CompletableFuture<Message.Answer>> answers = new CopyOnWriteArrayList<>();
		for (int i = 0; i < requests; i++) {
			CompletableFuture<Message.Answer> answer = new CompletableFuture<>();
			answers.add(answer);
			Thread asker = new Thread(() -> answer.complete(link.agent().ask("q", large, TIMEOUT)));
			asker.setDaemon(true);
			asker.start();
			askers.add(asker);
		}
		// each waits for its answer once its request is queued
		await().atMost(TIMEOUT)
			.until(() -> askers.stream().allMatch((asker) -> asker.getState() == Thread.State.TIMED_WAITING));
		long queued = link.agent().channel().queuedBytes();
		assertThat(queued).as("bytes still queued behind the blocked writer").isPositive();
		link.master().send(deliver(1));
		assertThat(acknowledged).succeedsWithin(TIMEOUT).isEqualTo(1L);
		List<Message> received = new ArrayList<>();
		while (received.stream().filter(Message.Ask.class::isInstance).count() < requests
				|| !received.contains(new Message.Delivered(1))) {
			Message message = assertTimeoutPreemptively(TIMEOUT, link.master()::receive);
			if (message instanceof Message.Ask ask) {
				link.master().send(new Message.Answer(ask.requestId(), null, null, "no"));
			}
			received.add(message);
		}
		int lastAsk = received.size() - 1;
		while (!(received.get(lastAsk) instanceof Message.Ask)) {
			lastAsk--;
		}
		assertThat(received.indexOf(new Message.Delivered(1))).isLessThan(lastAsk);
		assertThat(answers).allSatisfy((answer) -> assertThat(answer).succeedsWithin(TIMEOUT));
	}

	@Test
	void livenessIsSentAtOnce() {
		this.agent.liveness(true);
		assertThat(next()).isEqualTo(new Message.Liveness(true));
		this.agent.liveness(false);
		assertThat(next()).isEqualTo(new Message.Liveness(false));
	}

	// ---- queries ----

	@Test
	void aQueryIsAnsweredByItsHandlerAndAnUnknownOrFailingOneWithAnError() throws IOException {
		this.agent.answer("echo", (args) -> JsonNodeFactory.instance.stringNode(args.path("say").asString() + "!"));
		this.agent.answer("boom", (args) -> {
			throw new IllegalStateException("no scrape");
		});
		this.master.send(new Message.Query(1, "echo", JsonNodeFactory.instance.objectNode().put("say", "hi")));
		assertThat(next()).isEqualTo(new Message.QueryResult(1, JsonNodeFactory.instance.stringNode("hi!"), null));
		this.master.send(new Message.Query(2, "nothing", JsonNodeFactory.instance.objectNode()));
		Message.QueryResult unknown = (Message.QueryResult) next();
		assertThat(unknown.result()).isNull();
		assertThat(unknown.error()).isEqualTo("worker-1 answers no query 'nothing'");
		this.master.send(new Message.Query(3, "boom", JsonNodeFactory.instance.objectNode()));
		Message.QueryResult failed = (Message.QueryResult) next();
		assertThat(failed.queryId()).isEqualTo(3);
		assertThat(failed.error()).contains("no scrape");
	}

	@Test
	void aCollectIsAnsweredByTheMastersCollectedAndRefusedUnderAnEarlierMaster() throws Exception {
		CompletableFuture<Message.Collected> answer = CompletableFuture.supplyAsync(() -> this.agent.collect(0, "q",
				JsonNodeFactory.instance.objectNode(), Duration.ofSeconds(2), TIMEOUT));
		Message.Collect collect = (Message.Collect) next();
		assertThat(collect.query()).isEqualTo("q");
		assertThat(collect.timeoutMillis()).isEqualTo(2000);
		Message.Collected collected = new Message.Collected(collect.requestId(),
				List.of(new Message.Part(1, 7, PAYLOAD, null)), List.of(2), null);
		this.master.send(collected);
		assertThat(answer.get(20, TimeUnit.SECONDS)).isEqualTo(collected);
		Connected earlier = connect(64 * 1024, 600_000, WorkerEnvironment.PROTOCOL_COMPACT_STORE_FRAMES);
		assertThatExceptionOfType(IpcException.class)
			.isThrownBy(() -> earlier.agent()
				.collect(0, "q", JsonNodeFactory.instance.objectNode(), Duration.ofSeconds(1), TIMEOUT))
			.withMessageContaining("earlier version");
	}

	// ---- heartbeats ----

	@Test
	void heartbeatsAreSentDirectlyUntilAProbeExecutorIsSetThenOnlyWhenTheProbeRan() throws Exception {
		Connected link = connect(64 * 1024, 20);
		assertThat(nextOf(link.master(), Message.Pulse.class).workerId()).isEqualTo(1);
		assertThat(nextOf(link.master(), Message.Pulse.class).workerId()).isEqualTo(1);
		BlockingQueue<Runnable> probes = new LinkedBlockingQueue<>();
		link.agent().heartbeatProbe(probes::add);
		Runnable probe = probes.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(probe).as("probe submitted at a heartbeat tick").isNotNull();
		// heartbeats sent directly before the probe executor was set come before this
		link.agent().liveness(false);
		skipHeartbeatsUntil(link.master(), new Message.Liveness(false));
		// many ticks while the probe has not run: no other probe, no heartbeat
		await().during(Duration.ofMillis(300)).atMost(TIMEOUT).until(probes::isEmpty);
		link.agent().liveness(true);
		assertThat(receive(link.master())).isEqualTo(new Message.Liveness(true));
		probe.run();
		assertThat(receive(link.master())).isInstanceOf(Message.Pulse.class);
		// the next tick probes again
		Runnable next = probes.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(next).isNotNull();
		next.run();
		assertThat(receive(link.master())).isInstanceOf(Message.Pulse.class);
	}

	@Test
	void pulsesCarryTheRequestsServedAndTheHeapAfterGcAndAnEarlierMasterGetsHeartbeats() {
		Connected link = connect(64 * 1024, 20);
		link.agent().countRequests(() -> 4242);
		System.gc();
		await().atMost(TIMEOUT).untilAsserted(() -> {
			Message.Pulse pulse = nextOf(link.master(), Message.Pulse.class);
			assertThat(pulse.requests()).isEqualTo(4242);
			assertThat(pulse.heapAfterGcBytes()).as("after System.gc()").isPositive();
			assertThat(pulse.heapMaxBytes()).isPositive();
		});
		Connected earlier = connect(64 * 1024, 20, WorkerEnvironment.PROTOCOL_QUERIES);
		assertThat(nextOf(earlier.master(), Message.Heartbeat.class).workerId()).isEqualTo(1);
		assertThat(nextOf(earlier.master(), Message.Heartbeat.class).workerId()).isEqualTo(1);
	}

	@Test
	void aRejectedProbeSendsNoHeartbeatAndTheNextTickTriesAgain() {
		Connected link = connect(64 * 1024, 20);
		assertThat(nextOf(link.master(), Message.Pulse.class).workerId()).isEqualTo(1);
		AtomicInteger rejected = new AtomicInteger();
		link.agent().heartbeatProbe((task) -> {
			rejected.incrementAndGet();
			throw new RejectedExecutionException("stopping");
		});
		await().atMost(TIMEOUT).until(() -> rejected.get() > 0);
		link.agent().liveness(false);
		skipHeartbeatsUntil(link.master(), new Message.Liveness(false));
		int before = rejected.get();
		await().atMost(TIMEOUT).until(() -> rejected.get() >= before + 3);
		link.agent().liveness(true);
		assertThat(receive(link.master())).isEqualTo(new Message.Liveness(true));
	}

	/** Another agent on the test's socket, closed before its master by the teardown. */
	private Connected connect(int maxMessageSize, long heartbeatMillis) {
		return connect(maxMessageSize, heartbeatMillis, WorkerEnvironment.PROTOCOL);
	}

	/**
	 * Another agent, whose master says which protocol it speaks; closed before its master
	 * by the teardown.
	 */
	private Connected connect(int maxMessageSize, long heartbeatMillis, int protocol) {
		try {
			WorkerAgent agent = WorkerAgent.connect(new WorkerEnvironment(1, this.root.resolve("m.sock"), "token",
					ProcessHandle.current().pid(), 0, null, maxMessageSize, heartbeatMillis, false, protocol));
			SocketChannel socket = this.server.accept();
			Connected connected = new Connected(agent, new IpcChannel(socket, new FrameCodec(maxMessageSize)), socket);
			this.others.add(connected);
			assertThat(receive(connected.master())).isInstanceOf(Message.Hello.class);
			if (protocol >= WorkerEnvironment.PROTOCOL_QUERIES) {
				assertThat(receive(connected.master())).isInstanceOf(Message.Features.class);
			}
			return connected;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Message receive(IpcChannel master) {
		Message message = assertTimeoutPreemptively(TIMEOUT, master::receive);
		assertThat(message).as("message from the worker").isNotNull();
		return message;
	}

	private static <T extends Message> T nextOf(IpcChannel master, Class<T> type) {
		Message message = receive(master);
		assertThat(message).isInstanceOf(type);
		return type.cast(message);
	}

	private static void skipHeartbeatsUntil(IpcChannel master, Message expected) {
		Message message;
		do {
			message = receive(master);
		}
		while (message instanceof Message.Heartbeat || message instanceof Message.Pulse);
		assertThat(message).isEqualTo(expected);
	}

	/**
	 * @param agent the worker's end
	 * @param master the fake master's end
	 * @param socket the socket under {@code master}
	 */
	private record Connected(WorkerAgent agent, IpcChannel master, SocketChannel socket) {
	}

	private void open(Consumer<Message.Deliver> handler) throws IOException {
		this.master.send(new Message.Welcome(0));
		int retained = assertTimeoutPreemptively(TIMEOUT, () -> this.agent.startDelivery(handler, TIMEOUT));
		assertThat(retained).isZero();
	}

	private static Message.Deliver deliver(long id) {
		return new Message.Deliver(id, 2, "t", null, PAYLOAD, false);
	}

	/** The next message from the worker that is not a heartbeat. */
	@Test
	void anInvalidationIsConfirmedOnlyOnceItsHandlerReturned() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		List<String> dropped = new CopyOnWriteArrayList<>();
		this.agent.onCacheInvalidation((cache, key) -> {
			dropped.add(cache + " " + key);
			try {
				release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		this.master.send(new Message.CacheInvalidation(5, "cacheManager/prices", "s:eur"));
		await().atMost(TIMEOUT).until(() -> dropped.size() == 1);
		// the reader is not held by the handler: a status pushed meanwhile arrives
		ClusterSnapshot pushed = snapshot(4);
		this.master.send(new Message.StatusReply(0, pushed));
		await().atMost(TIMEOUT).until(() -> pushed.equals(this.agent.latestStatus()));
		this.master.send(new Message.CacheInvalidation(6, "cacheManager/prices", null));
		this.agent.ready();
		// nothing confirmed while the first handler runs: the ready comes first
		assertThat(next()).isInstanceOf(Message.Ready.class);
		release.countDown();
		assertThat(next()).isEqualTo(new Message.CacheInvalidated(5));
		assertThat(next()).isEqualTo(new Message.CacheInvalidated(6));
		assertThat(dropped).containsExactly("cacheManager/prices s:eur", "cacheManager/prices null");
	}

	@Test
	void withoutAHandlerAnInvalidationIsConfirmedAtOnce() throws IOException {
		this.master.send(new Message.CacheInvalidation(9, "c", null));
		assertThat(next()).isEqualTo(new Message.CacheInvalidated(9));
	}

	@Test
	void invalidatingACacheWaitsForTheMastersAnswer() throws Exception {
		CompletableFuture<Message.CacheInvalidateReply> reply = CompletableFuture
			.supplyAsync(() -> this.agent.invalidateCache("cacheManager/prices", "s:eur", TIMEOUT));
		Message.CacheInvalidate request = (Message.CacheInvalidate) next();
		assertThat(request.cache()).isEqualTo("cacheManager/prices");
		assertThat(request.key()).isEqualTo("s:eur");
		assertThat(reply).isNotDone();
		this.master.send(new Message.CacheInvalidateReply(request.requestId(), 1, 2));
		assertThat(reply.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
			.isEqualTo(new Message.CacheInvalidateReply(request.requestId(), 1, 2));
	}

	private Message next() {
		return assertTimeoutPreemptively(TIMEOUT, () -> {
			Message message;
			do {
				message = this.master.receive();
			}
			while (message instanceof Message.Heartbeat || message instanceof Message.Pulse);
			return message;
		});
	}

	private void awaitSeen(int count) {
		await().atMost(TIMEOUT).until(() -> this.seen.size() >= count);
		assertThat(this.seen).hasSize(count);
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
