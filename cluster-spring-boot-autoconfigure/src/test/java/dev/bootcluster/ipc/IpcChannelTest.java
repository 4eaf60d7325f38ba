package dev.bootcluster.ipc;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bootcluster.ipc.Message.Deliver;
import dev.bootcluster.ipc.Message.Ready;
import dev.bootcluster.ipc.Message.Welcome;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Tests for {@link IpcChannel}: one encoded frame written to many connections, frames
 * read back whole however the bytes arrive, and the bounded outbound queues that no send
 * waits on.
 */
@ExtendWith(OutputCaptureExtension.class)
class IpcChannelTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final FrameCodec codec = new FrameCodec(4096);

	/** Frames of about 30 KB. */
	private static final FrameCodec BULK_CODEC = new FrameCodec(64 * 1024);

	private final List<IpcChannel> channels = new ArrayList<>();

	private final List<SocketChannel> sockets = new ArrayList<>();

	private Path root;

	private ServerSocketChannel server;

	@BeforeEach
	void listen() throws IOException {
		// under /tmp, not the (possibly long) java.io.tmpdir: socket paths are limited to
		// ~107 bytes
		this.root = Files.createTempDirectory(Path.of("/tmp"), "ipc-");
		this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		this.server.bind(UnixDomainSocketAddress.of(this.root.resolve("s.sock")));
	}

	@AfterEach
	void closeAll() throws IOException {
		this.channels.forEach(IpcChannel::close);
		for (SocketChannel socket : this.sockets) {
			socket.close();
		}
		this.server.close();
		Files.deleteIfExists(this.root.resolve("s.sock"));
		Files.deleteIfExists(this.root);
	}

	@Test
	void theSameFrameGoesWholeToEveryConnectionAndIsLeftUntouched() throws IOException {
		Deliver deliver = new Deliver(9, 2, "topic", "x.Y",
				JsonMapper.builder().build().readTree("{\"a\":[1,2,{\"b\":\"\\u00e9\"}]}"), true);
		ByteBuffer frame = this.codec.encode(deliver);
		int remaining = frame.remaining();
		IpcChannel[] first = pair();
		IpcChannel[] second = pair();
		for (int i = 0; i < 3; i++) {
			first[0].sendFrame(frame);
			second[0].sendFrame(frame);
		}
		assertThat(frame.position()).isZero();
		assertThat(frame.remaining()).isEqualTo(remaining);
		for (int i = 0; i < 3; i++) {
			assertThat(receive(first[1])).isEqualTo(deliver);
			assertThat(receive(second[1])).isEqualTo(deliver);
		}
	}

	@Test
	void framesAndMessagesInterleaveWhole() throws IOException {
		IpcChannel[] link = pair();
		ByteBuffer frame = this.codec.encode(new Welcome(3));
		link[0].sendFrame(frame);
		link[0].send(new Ready(1));
		link[0].sendFrame(frame);
		assertThat(receive(link[1])).isEqualTo(new Welcome(3));
		assertThat(receive(link[1])).isEqualTo(new Ready(1));
		assertThat(receive(link[1])).isEqualTo(new Welcome(3));
	}

	@Test
	void sendFrameOnAClosedConnectionFails() throws IOException {
		IpcChannel[] link = pair();
		link[0].close();
		assertThatIOException().isThrownBy(() -> link[0].sendFrame(this.codec.encode(new Ready(1))));
	}

	@Test
	void framesLargerThanTheReadBufferArriveWholeBetweenSmallOnes() throws IOException {
		FrameCodec large = new FrameCodec(256 * 1024);
		IpcChannel sender = IpcChannel.connect(this.root.resolve("s.sock"), large);
		IpcChannel receiver = new IpcChannel(this.server.accept(), large);
		this.channels.add(sender);
		this.channels.add(receiver);
		String text = "x\u00e9".repeat(3 * IpcChannel.READ_BUFFER_BYTES);
		Deliver big = new Deliver(1, 2, "big", null, JsonMapper.builder().build().getNodeFactory().stringNode(text),
				false);
		// written from another thread: the receiver must drain the socket while the big
		// frame is sent
		Thread writer = new Thread(() -> {
			try {
				for (int i = 0; i < 3; i++) {
					sender.send(new Ready(i));
					sender.send(big);
				}
				sender.send(new Welcome(7));
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		});
		writer.start();
		for (int i = 0; i < 3; i++) {
			assertThat(receive(receiver)).isEqualTo(new Ready(i));
			assertThat(receive(receiver)).isEqualTo(big);
		}
		assertThat(receive(receiver)).isEqualTo(new Welcome(7));
	}

	@Test
	void aFrameWrittenByteByByteArrivesWholeAndTheEndOfTheStreamIsSeenWhereItIs() throws Exception {
		try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(this.root.resolve("s.sock")))) {
			IpcChannel receiver = new IpcChannel(this.server.accept(), this.codec);
			this.channels.add(receiver);
			ByteBuffer two = ByteBuffer.allocate(1024);
			two.put(this.codec.encode(new Ready(5))).put(this.codec.encode(new Welcome(2))).flip();
			Thread writer = new Thread(() -> {
				try {
					while (two.hasRemaining()) {
						raw.write(ByteBuffer.wrap(new byte[] { two.get() }));
						Thread.sleep(1);
					}
				}
				catch (IOException | InterruptedException ex) {
					throw new IllegalStateException(ex);
				}
			});
			writer.start();
			assertThat(receive(receiver)).isEqualTo(new Ready(5));
			assertThat(receive(receiver)).isEqualTo(new Welcome(2));
			writer.join();
			ByteBuffer half = this.codec.encode(new Ready(6));
			raw.write(half.limit(half.limit() - 3));
			raw.shutdownOutput();
			assertThatExceptionOfType(EOFException.class).isThrownBy(receiver::receive)
				.withMessageContaining("middle of a frame");
		}
	}

	@Test
	void aCleanEndBetweenFramesIsNull() throws IOException {
		IpcChannel[] link = pair();
		// written before it returns: close() drops what is still queued
		link[0].sendNow(new Ready(1));
		link[0].close();
		assertThat(receive(link[1])).isEqualTo(new Ready(1));
		assertThat(receive(link[1])).isNull();
	}

	// ---- the outbound queues ----

	@Test
	void eachQueueKeepsItsOrderAndUrgentFramesOvertakeQueuedOnesBetweenWholeFrames() throws IOException {
		Sockets sockets = sockets();
		IpcChannel sender = channel(sockets.sender(), BULK_CODEC, 1024 * BULK_CODEC.maxMessageSize());
		IpcChannel receiver = channel(sockets.receiver(), BULK_CODEC, IpcChannel.defaultMaxQueuedBytes(BULK_CODEC));
		ByteBuffer bulk = BULK_CODEC.encode(bulk(0));
		// far more than the connection buffers while the receiver reads nothing: the
		// writer is blocked with most of them still queued
		int bulkFrames = (int) (4 * sockets.buffered() / bulk.remaining()) + 8;
		for (int i = 0; i < bulkFrames; i++) {
			sender.send(bulk(i));
			if (i == bulkFrames / 2) {
				sender.sendUrgent(new Ready(0));
			}
		}
		for (int i = 1; i < 4; i++) {
			sender.sendUrgent(new Ready(i));
		}
		List<Message> received = new ArrayList<>();
		for (int i = 0; i < bulkFrames + 4; i++) {
			// each decodes: no frame was split by another
			received.add(receive(receiver));
		}
		assertThat(received).filteredOn(Deliver.class::isInstance)
			.extracting((message) -> ((Deliver) message).deliveryId())
			.containsExactlyElementsOf(LongStream.range(0, bulkFrames).boxed().toList());
		assertThat(received).filteredOn(Ready.class::isInstance)
			.containsExactly(new Ready(0), new Ready(1), new Ready(2), new Ready(3));
		// the urgent frames queued behind the last bulk ones arrived before them
		assertThat(received.indexOf(new Ready(3))).isLessThan(received.indexOf(bulk(bulkFrames - 1)));
		// each frame counts until it is written whole
		await().atMost(TIMEOUT).until(() -> sender.queuedBytes() == 0);
	}

	@Test
	void aPeerThatStopsReadingIsDisconnectedWithTheReasonLogged(CapturedOutput output) throws IOException {
		Sockets sockets = sockets();
		long limit = 4L * (FrameCodec.HEADER_BYTES + this.codec.maxMessageSize());
		IpcChannel sender = channel(sockets.sender(), this.codec, limit).describe("worker-9 (pid 99)");
		channel(sockets.receiver(), this.codec, limit);
		Deliver frame = new Deliver(1, 0, "t", null, JsonNodeFactory.instance.stringNode("x".repeat(3000)), false);
		// the connection buffers take what the writer writes, the queue the rest
		long sends = 4 * sockets.buffered() / 3000 + 8;
		QueueOverflowException overflow = assertTimeoutPreemptively(TIMEOUT, () -> {
			for (long i = 0; i < sends; i++) {
				try {
					sender.send(frame);
				}
				catch (QueueOverflowException ex) {
					return ex;
				}
			}
			throw new AssertionError(sends + " sends to a peer that reads nothing did not overflow");
		});
		assertThat(overflow).hasMessageStartingWith("worker-9 (pid 99) stopped reading: ")
			.hasMessageEndingWith(" bytes queued, limit " + limit + "; disconnecting");
		assertThat(overflow.getQueued()).isGreaterThan(limit);
		assertThat(overflow.getLimit()).isEqualTo(limit);
		assertThat(output).contains("WARN").contains(overflow.getMessage());
		assertThat(sender.isOpen()).isFalse();
		assertThat(sender.queuedBytes()).isZero();
		// the writer was blocked in a write: closing the socket ended it
		awaitEnded(sender.writerThread());
		assertThatExceptionOfType(ClosedChannelException.class).isThrownBy(() -> sender.sendUrgent(new Ready(1)));
	}

	@Test
	void closeEndsTheWriterThreadAndDropsWhatIsQueued() throws IOException {
		Sockets sockets = sockets();
		IpcChannel sender = channel(sockets.sender(), BULK_CODEC, 1024 * BULK_CODEC.maxMessageSize());
		channel(sockets.receiver(), BULK_CODEC, IpcChannel.defaultMaxQueuedBytes(BULK_CODEC));
		int bulkFrames = (int) (2 * sockets.buffered() / BULK_CODEC.encode(bulk(0)).remaining()) + 4;
		for (int i = 0; i < bulkFrames; i++) {
			sender.send(bulk(i));
		}
		Thread writer = sender.writerThread();
		assertThat(writer).isNotNull();
		assertThat(writer.isDaemon()).isTrue();
		assertThat(sender.queuedBytes()).isPositive();
		sender.close();
		assertThat(sender.queuedBytes()).isZero();
		awaitEnded(writer);
	}

	@Test
	void sendDirectWritesOnTheCallingThreadWhenNothingIsQueued() throws IOException {
		IpcChannel[] link = pair();
		link[0].sendDirect(new Ready(1), false);
		link[0].sendDirect(new Ready(2), true);
		assertThat(receive(link[1])).isEqualTo(new Ready(1));
		assertThat(receive(link[1])).isEqualTo(new Ready(2));
		// no writer thread was needed
		assertThat(link[0].writerThread()).isNull();
		assertThat(link[0].queuedBytes()).isZero();
		// and the first frame being out, sendNow may no longer overtake anything
		assertThatIllegalStateException().isThrownBy(() -> link[0].sendNow(new Ready(3)));
	}

	@Test
	void aPeerThatSentACompactStoreFrameIsAnsweredInKindAndOneThatSentJsonIsNot() throws IOException {
		IpcChannel[] compact = pair();
		compact[0].compactStoreFrames(true);
		assertThat(compact[1].compactStoreFrames()).isFalse();
		Message.StoreRequest get = new Message.StoreRequest(1, Message.StoreOp.GET, "k", null, null, 0);
		compact[0].sendDirect(get, false);
		assertThat(receive(compact[1])).isEqualTo(get);
		assertThat(compact[1].compactStoreFrames()).as("the peer learnt it").isTrue();
		Message.StoreReply reply = new Message.StoreReply(1, true, new byte[] { 1, 2 }, null, null);
		compact[1].sendDirect(reply, true);
		assertThat(receive(compact[0])).isEqualTo(reply);

		IpcChannel[] json = pair();
		json[0].sendDirect(get, false);
		assertThat(receive(json[1])).isEqualTo(get);
		assertThat(json[1].compactStoreFrames()).as("a JSON peer (a worker of an earlier version)").isFalse();
	}

	@Test
	void sendDirectQueuesBehindQueuedFramesAndKeepsTheirOrder() throws IOException {
		Sockets sockets = sockets();
		IpcChannel sender = channel(sockets.sender(), BULK_CODEC, 1024 * BULK_CODEC.maxMessageSize());
		IpcChannel receiver = channel(sockets.receiver(), BULK_CODEC, IpcChannel.defaultMaxQueuedBytes(BULK_CODEC));
		// more than the connection buffers while the receiver reads nothing: the writer
		// is blocked with frames still queued, and each direct send must queue behind
		// them
		int bulkFrames = (int) (2 * sockets.buffered() / BULK_CODEC.encode(bulk(0)).remaining()) + 4;
		for (int i = 0; i < bulkFrames; i++) {
			sender.send(bulk(i));
		}
		sender.sendDirect(bulk(bulkFrames), false);
		sender.sendDirect(new Ready(1), true);
		List<Message> received = new ArrayList<>();
		for (int i = 0; i < bulkFrames + 2; i++) {
			received.add(receive(receiver));
		}
		assertThat(received).filteredOn(Deliver.class::isInstance)
			.extracting((message) -> ((Deliver) message).deliveryId())
			.containsExactlyElementsOf(LongStream.rangeClosed(0, bulkFrames).boxed().toList());
		// urgent, it overtook the bulk frames still queued
		assertThat(received.indexOf(new Ready(1))).isLessThan(received.indexOf(bulk(bulkFrames)));
	}

	@Test
	void sendDirectQueuesALargeFrameAndAnInterruptedThreadsFrame() throws IOException {
		FrameCodec codec = new FrameCodec(2 * IpcChannel.DIRECT_WRITE_BYTES);
		Sockets sockets = sockets();
		IpcChannel sender = channel(sockets.sender(), codec);
		IpcChannel receiver = channel(sockets.receiver(), codec);
		Deliver large = new Deliver(1, 0, "t", null,
				JsonNodeFactory.instance.stringNode("x".repeat(IpcChannel.DIRECT_WRITE_BYTES)), false);
		sender.sendDirect(large, false);
		assertThat(receive(receiver)).isEqualTo(large);
		assertThat(sender.writerThread()).as("the writer thread, which wrote the large frame").isNotNull();

		IpcChannel[] link = pair();
		Thread.currentThread().interrupt();
		try {
			link[0].sendDirect(new Ready(1), false);
		}
		finally {
			assertThat(Thread.interrupted()).isTrue();
		}
		assertThat(receive(link[1])).isEqualTo(new Ready(1));
		// a write on the interrupted thread would have closed the channel
		assertThat(link[0].isOpen()).isTrue();
		assertThat(link[0].writerThread()).isNotNull();
	}

	@Test
	void anIdleWriterEndsWithTheChannel() throws IOException {
		IpcChannel[] link = pair();
		link[0].send(new Ready(1));
		assertThat(receive(link[1])).isEqualTo(new Ready(1));
		Thread writer = link[0].writerThread();
		assertThat(writer).isNotNull();
		assertThat(writer.isAlive()).isTrue();
		link[0].close();
		awaitEnded(writer);
	}

	@Test
	void aChannelThatNeverSendsStartsNoThreadAndTheFirstSendStartsOneNamedAfterThePeer() throws IOException {
		IpcChannel[] link = pair();
		link[0].describe("worker-3 (pid 7)");
		link[0].sendNow(new Ready(1));
		assertThat(receive(link[1])).isEqualTo(new Ready(1));
		assertThat(link[0].writerThread()).isNull();
		assertThat(link[1].writerThread()).isNull();
		assertThat(threadNames()).doesNotContain("cluster-ipc-writer-worker-3 (pid 7)");
		link[0].send(new Ready(2));
		assertThat(receive(link[1])).isEqualTo(new Ready(2));
		assertThat(threadNames()).contains("cluster-ipc-writer-worker-3 (pid 7)");
		link[0].describe("worker-3 (pid 8)");
		assertThat(link[0].writerThread().getName()).isEqualTo("cluster-ipc-writer-worker-3 (pid 8)");
		assertThat(link[1].writerThread()).isNull();
	}

	@Test
	void sendsAfterCloseThrow() throws IOException {
		IpcChannel[] link = pair();
		link[0].close();
		ByteBuffer frame = this.codec.encode(new Ready(1));
		assertThatExceptionOfType(ClosedChannelException.class).isThrownBy(() -> link[0].send(new Ready(1)));
		assertThatExceptionOfType(ClosedChannelException.class).isThrownBy(() -> link[0].sendUrgent(new Ready(1)));
		assertThatExceptionOfType(ClosedChannelException.class).isThrownBy(() -> link[0].sendFrame(frame));
		assertThatExceptionOfType(ClosedChannelException.class).isThrownBy(() -> link[0].sendNow(new Ready(1)));
		assertThat(link[0].writerThread()).isNull();
	}

	@Test
	void aTooLargeMessageIsRefusedBeforeAnythingIsQueued() throws IOException {
		IpcChannel[] link = pair();
		Deliver large = new Deliver(1, 0, "t", null,
				JsonNodeFactory.instance.stringNode("x".repeat(this.codec.maxMessageSize())), false);
		assertThatExceptionOfType(MessageTooLargeException.class).isThrownBy(() -> link[0].send(large));
		assertThatExceptionOfType(MessageTooLargeException.class).isThrownBy(() -> link[0].sendUrgent(large));
		assertThat(link[0].writerThread()).isNull();
		assertThat(link[0].queuedBytes()).isZero();
		assertThat(link[0].isOpen()).isTrue();
		// nothing was queued: the first frame may still be written at once
		link[0].sendNow(new Ready(1));
		assertThat(receive(link[1])).isEqualTo(new Ready(1));
	}

	@Test
	void sendNowIsOnlyForTheFirstFrames() throws IOException {
		IpcChannel[] link = pair();
		link[0].sendNow(new Ready(1));
		link[0].sendNow(new Ready(2));
		link[0].send(new Ready(3));
		assertThatIllegalStateException().isThrownBy(() -> link[0].sendNow(new Ready(4)));
		assertThat(receive(link[1])).isEqualTo(new Ready(1));
		assertThat(receive(link[1])).isEqualTo(new Ready(2));
		assertThat(receive(link[1])).isEqualTo(new Ready(3));
	}

	@Test
	void aFailedWriteClosesTheChannel() throws IOException {
		IpcChannel[] link = pair();
		link[1].close();
		link[0].send(new Ready(1));
		await().atMost(TIMEOUT).until(() -> !link[0].isOpen());
		awaitEnded(link[0].writerThread());
		assertThatExceptionOfType(ClosedChannelException.class).isThrownBy(() -> link[0].send(new Ready(2)));
	}

	@Test
	void theQueueBoundHoldsAtLeastOneLargestFrame() throws IOException {
		Sockets sockets = sockets();
		long largest = FrameCodec.HEADER_BYTES + this.codec.maxMessageSize();
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new IpcChannel(sockets.sender(), this.codec, largest - 1));
		assertThat(channel(sockets.sender(), this.codec, largest).maxQueuedBytes()).isEqualTo(largest);
		assertThat(channel(sockets.receiver(), this.codec).maxQueuedBytes()).isEqualTo(8 * largest);
	}

	private static Deliver bulk(long id) {
		return new Deliver(id, 0, "bulk", null, JsonNodeFactory.instance.stringNode("b".repeat(30 * 1024)), false);
	}

	private static void awaitEnded(Thread thread) {
		assertThat(thread).isNotNull();
		await().atMost(TIMEOUT).until(() -> !thread.isAlive());
	}

	private static List<String> threadNames() {
		return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
	}

	private IpcChannel channel(SocketChannel socket, FrameCodec codec, long maxQueuedBytes) {
		IpcChannel channel = new IpcChannel(socket, codec, maxQueuedBytes);
		this.channels.add(channel);
		return channel;
	}

	private IpcChannel channel(SocketChannel socket, FrameCodec codec) {
		IpcChannel channel = new IpcChannel(socket, codec);
		this.channels.add(channel);
		return channel;
	}

	/** Two connected sockets, not yet channels. */
	private Sockets sockets() throws IOException {
		SocketChannel sender = SocketChannel.open(UnixDomainSocketAddress.of(this.root.resolve("s.sock")));
		SocketChannel receiver = this.server.accept();
		this.sockets.add(sender);
		this.sockets.add(receiver);
		return new Sockets(sender, receiver);
	}

	/**
	 * @param sender the sending end's socket
	 * @param receiver the receiving end's socket
	 */
	private record Sockets(SocketChannel sender, SocketChannel receiver) {

		/** An upper bound of what the kernel buffers between them. */
		long buffered() throws IOException {
			return this.sender.getOption(StandardSocketOptions.SO_SNDBUF)
					+ (long) this.receiver.getOption(StandardSocketOptions.SO_RCVBUF);
		}

	}

	/** A connected pair: the sending end, then the receiving end. */
	private IpcChannel[] pair() throws IOException {
		IpcChannel sender = IpcChannel.connect(this.root.resolve("s.sock"), this.codec);
		IpcChannel receiver = new IpcChannel(this.server.accept(), this.codec);
		this.channels.add(sender);
		this.channels.add(receiver);
		return new IpcChannel[] { sender, receiver };
	}

	private static Message receive(IpcChannel channel) {
		return assertTimeoutPreemptively(TIMEOUT, channel::receive);
	}

}
