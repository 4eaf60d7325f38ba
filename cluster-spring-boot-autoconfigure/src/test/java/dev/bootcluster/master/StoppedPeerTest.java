package dev.bootcluster.master;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.master.HubSockets.Link;
import dev.bootcluster.master.MessageHub.Recipient;
import dev.bootcluster.master.MessageHub.Result;

import static dev.bootcluster.master.HubSockets.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A worker that stopped reading (a {@code kill -STOP}ped process) must hold up no
 * broadcast: the hub delivers to three workers over real Unix domain sockets, one of
 * which never reads, and keeps publishing 200 KB payloads. Every publish returns, every
 * result completes, the two reading workers get every delivery, and the stopped one is
 * disconnected with a logged reason once its connection holds too much.
 */
@ExtendWith(OutputCaptureExtension.class)
class StoppedPeerTest {

	/** {@code cluster.ipc.max-message-size}'s default. */
	private static final int MAX_MESSAGE_SIZE = 1024 * 1024;

	private static final int PAYLOAD_CHARS = 200 * 1024;

	/**
	 * 100 deliveries of 200 KB: 20 MB, more than the kernel buffers of a connection and
	 * more than the default bound of what an IPC connection may queue.
	 */
	private static final int PUBLISHES = 100;

	/** Never reached: only acknowledgements and departures end a wait. */
	private static final Duration NEVER = Duration.ofHours(1);

	private final FrameCodec codec = new FrameCodec(MAX_MESSAGE_SIZE);

	private final List<Thread> threads = new ArrayList<>();

	private HubSockets sockets;

	private MessageHub hub;

	@BeforeEach
	void setUp() throws IOException {
		this.sockets = new HubSockets(this.codec);
		this.hub = new MessageHub(this.codec, NEVER);
	}

	@AfterEach
	void tearDown() throws IOException {
		this.hub.close();
		this.sockets.close();
		this.threads.forEach(Thread::interrupt);
	}

	@Test
	void aWorkerThatStoppedReadingHoldsUpNoBroadcastAndIsDisconnected(CapturedOutput output) {
		Link one = this.sockets.link();
		Link two = this.sockets.link();
		Link stopped = this.sockets.link();
		stopped.master().describe("worker-3 (pid 103)");
		List<Recipient> recipients = List.of(new Recipient(1, 101, one.master(), true),
				new Recipient(2, 102, two.master(), true), new Recipient(3, 103, stopped.master(), true));
		this.hub.recipients(() -> recipients);
		for (Recipient recipient : recipients) {
			watchAsTheMasterDoes(recipient);
		}
		Semaphore read = new Semaphore(0);
		AtomicInteger toOne = acknowledgeEverything(one, 101, read);
		AtomicInteger toTwo = acknowledgeEverything(two, 102, read);
		JsonNode payload = JsonNodeFactory.instance.objectNode().put("text", "x".repeat(PAYLOAD_CHARS));
		List<CompletableFuture<Result>> results = new ArrayList<>();
		// A liveness bound, not a measurement: each call must return, not wait for a
		// worker that reads nothing. The next broadcast goes once both reading workers
		// have read the last (as a caller waiting for acknowledgements would go on), so
		// only the stopped worker's queue grows.
		assertTimeoutPreemptively(TIMEOUT, () -> {
			for (int i = 0; i < PUBLISHES; i++) {
				results.add(this.hub.publish(0, MessageHub.ALL_WORKERS, "bulk", null, payload, false));
				read.acquire(2);
			}
		}, () -> "publishing while one worker reads nothing (" + results.size() + " of " + PUBLISHES
				+ " publish calls returned)");
		await("every delivery acknowledged by the reading workers or ended by the stopped one leaving").atMost(TIMEOUT)
			.until(() -> results.stream().allMatch(CompletableFuture::isDone));
		assertThat(results).extracting(CompletableFuture::join).containsOnly(new Result(2, 3));
		await("every delivery read by both reading workers").atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(List.of(toOne.get(), toTwo.get())).containsOnly(PUBLISHES));
		assertThat(stopped.master().isOpen()).as("the stopped worker's connection is open").isFalse();
		assertThat(one.master().isOpen()).isTrue();
		assertThat(two.master().isOpen()).isTrue();
		assertThat(output).contains("worker-3 (pid 103) stopped reading: ");
	}

	/**
	 * Reads the worker's side of the connection on the master, as its IPC server does,
	 * and tells the hub when the connection ends.
	 */
	private void watchAsTheMasterDoes(Recipient recipient) {
		start("master-reader-" + recipient.workerId(), () -> {
			try {
				while (recipient.channel().receive() != null) {
					// a worker's messages: none in this test
				}
			}
			catch (IOException | RuntimeException ex) {
				// closed
			}
			this.hub.disconnected(recipient.pid());
		});
	}

	/** A worker that reads everything and acknowledges each delivery on receipt. */
	private AtomicInteger acknowledgeEverything(Link link, long pid, Semaphore read) {
		AtomicInteger delivered = new AtomicInteger();
		start("worker-" + pid, () -> {
			try {
				Message message;
				while ((message = link.worker().receive()) != null) {
					if (message instanceof Message.Deliver deliver) {
						this.hub.delivered(pid, deliver.deliveryId());
						delivered.incrementAndGet();
						read.release();
					}
				}
			}
			catch (IOException | RuntimeException ex) {
				// closed by the teardown
			}
		});
		return delivered;
	}

	private void start(String name, Runnable task) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		this.threads.add(thread);
		thread.start();
	}

}
