package dev.bootcluster.master;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.Message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Connected pairs of {@link IpcChannel}s over real Unix domain sockets: the master's end
 * (what the hub writes to) and the worker's end (what a test reads from).
 */
final class HubSockets implements AutoCloseable {

	static final Duration TIMEOUT = Duration.ofSeconds(20);

	/**
	 * Sent by a test behind whatever the hub sent, to prove that nothing else came before
	 * it.
	 */
	static final Message MARKER = new Message.Heartbeat(-42, -42);

	private final FrameCodec codec;

	private final Path root;

	private final Path socket;

	private final ServerSocketChannel server;

	private final List<Link> links = new ArrayList<>();

	HubSockets(FrameCodec codec) throws IOException {
		this.codec = codec;
		// under /tmp, not the (possibly long) java.io.tmpdir: socket paths are limited to
		// ~107 bytes
		this.root = Files.createTempDirectory(Path.of("/tmp"), "hub-");
		this.socket = this.root.resolve("m.sock");
		this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		this.server.bind(UnixDomainSocketAddress.of(this.socket));
	}

	/** A new connection. */
	Link link() {
		try {
			SocketChannel workerSocket = SocketChannel.open(StandardProtocolFamily.UNIX);
			workerSocket.connect(UnixDomainSocketAddress.of(this.socket));
			SocketChannel masterSocket = this.server.accept();
			Link link = new Link(new IpcChannel(masterSocket, this.codec), new IpcChannel(workerSocket, this.codec),
					masterSocket, workerSocket);
			this.links.add(link);
			return link;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() throws IOException {
		for (Link link : this.links) {
			link.master().close();
			link.worker().close();
		}
		this.server.close();
		try (Stream<Path> walk = Files.walk(this.root)) {
			for (Path path : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
				Files.deleteIfExists(path);
			}
		}
	}

	/**
	 * Both ends of one connection.
	 *
	 * @param master the end the hub sends on
	 * @param worker the end the test receives on
	 * @param masterSocket the socket under {@code master}
	 * @param workerSocket the socket under {@code worker}
	 */
	record Link(IpcChannel master, IpcChannel worker, SocketChannel masterSocket, SocketChannel workerSocket) {

		/**
		 * Fills the connection towards the worker with filler bytes until the kernel
		 * takes no more, before the hub sends anything on it: the writer of its master
		 * end is then blocked in its first write, and what the hub sends next stays
		 * queued until the test {@linkplain #skip skips} the filler.
		 * @return the filler bytes written
		 */
		long fillUntilBlocked() throws IOException {
			ByteBuffer filler = ByteBuffer.allocate(64 * 1024);
			this.masterSocket.configureBlocking(false);
			try {
				long written = 0;
				int last;
				do {
					last = this.masterSocket.write(filler.clear());
					written += last;
				}
				while (last > 0);
				assertThat(written).as("bytes the connection buffered").isPositive();
				return written;
			}
			finally {
				this.masterSocket.configureBlocking(true);
			}
		}

		/** Reads and drops the filler bytes, before anything is received. */
		void skip(long filler) {
			assertTimeoutPreemptively(TIMEOUT, () -> {
				ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
				long left = filler;
				while (left > 0) {
					buffer.clear().limit((int) Math.min(buffer.capacity(), left));
					int read = this.workerSocket.read(buffer);
					assertThat(read).as("filler bytes read").isPositive();
					left -= read;
				}
			});
		}

		/**
		 * The next message the hub sent on this connection (fails if none comes in time).
		 */
		Message receive() {
			Message message = assertTimeoutPreemptively(TIMEOUT, this.worker::receive);
			assertThat(message).as("message from the hub").isNotNull();
			return message;
		}

		/** The next message, which must be of this type. */
		<T extends Message> T receive(Class<T> type) {
			Message message = receive();
			assertThat(message).isInstanceOf(type);
			return type.cast(message);
		}

		/**
		 * Proves that the hub sent nothing (more) on this connection so far: a marker
		 * written behind it now is the next thing that arrives.
		 */
		void assertNothingReceived() throws IOException {
			this.master.send(MARKER);
			assertThat(receive()).as("next message after what the hub sent").isEqualTo(MARKER);
		}

	}

}
