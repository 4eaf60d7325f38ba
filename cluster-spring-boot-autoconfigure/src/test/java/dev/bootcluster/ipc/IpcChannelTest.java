package dev.bootcluster.ipc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
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
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Tests for {@link IpcChannel#sendFrame}: one encoded frame written to many connections.
 */
class IpcChannelTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final FrameCodec codec = new FrameCodec(4096);

	private final List<IpcChannel> channels = new ArrayList<>();

	private Path root;

	private ServerSocketChannel server;

	@BeforeEach
	void listen() throws IOException {
		// under /tmp, not the (possibly long) java.io.tmpdir: socket paths are limited to ~107 bytes
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
