package dev.bootcluster.ipc;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import dev.bootcluster.ipc.Message.Deliver;
import dev.bootcluster.ipc.Message.Ready;
import dev.bootcluster.ipc.Message.Welcome;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Tests for {@link IpcChannel}: one encoded frame written to many connections, and frames
 * read back whole however the bytes arrive.
 */
class IpcChannelTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final FrameCodec codec = new FrameCodec(4096);

	private final List<IpcChannel> channels = new ArrayList<>();

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
		link[0].send(new Ready(1));
		link[0].close();
		assertThat(receive(link[1])).isEqualTo(new Ready(1));
		assertThat(receive(link[1])).isNull();
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
