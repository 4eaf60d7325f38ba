package dev.bootcluster.worker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.Message;

import static org.assertj.core.api.Assertions.assertThat;
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
	}

	@AfterEach
	void close() throws IOException {
		// the agent first: a worker whose master closes the link halts its JVM
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
				await(release);
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

	private void open(Consumer<Message.Deliver> handler) throws IOException {
		this.master.send(new Message.Welcome(0));
		int retained = assertTimeoutPreemptively(TIMEOUT, () -> this.agent.startDelivery(handler, TIMEOUT));
		assertThat(retained).isZero();
	}

	private static Message.Deliver deliver(long id) {
		return new Message.Deliver(id, 2, "t", null, PAYLOAD, false);
	}

	/** The next message from the worker that is not a heartbeat. */
	private Message next() {
		return assertTimeoutPreemptively(TIMEOUT, () -> {
			Message message;
			do {
				message = this.master.receive();
			}
			while (message instanceof Message.Heartbeat);
			return message;
		});
	}

	private void awaitSeen(int count) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (this.seen.size() < count && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		assertThat(this.seen).hasSize(count);
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
