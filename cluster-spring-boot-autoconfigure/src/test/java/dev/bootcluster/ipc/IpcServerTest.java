package dev.bootcluster.ipc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.ipc.Message.Hello;
import dev.bootcluster.ipc.Message.Ready;
import dev.bootcluster.ipc.Message.StatusReply;
import dev.bootcluster.ipc.Message.StatusRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Tests for {@link IpcServer}, {@link IpcChannel} and {@link SocketDirectory} over real
 * Unix domain sockets.
 */
@ExtendWith(OutputCaptureExtension.class)
class IpcServerTest {

	private static final String TOKEN = "the-cluster-token";

	private static final int LIMIT = 1024;

	/** A pid no process can have: above the kernel's largest pid_max (2^22). */
	private static final long DEAD_PID = 2_000_000_000L;

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final ClusterSnapshot SNAPSHOT = new ClusterSnapshot(ClusterRole.MASTER, 1, 2, 2, 0, 8080, List.of(),
			null, "reuseport", null);

	private final FrameCodec codec = new FrameCodec(LIMIT);

	private final RecordingHandler handler = new RecordingHandler();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private Path root;

	private IpcServer server;

	@BeforeEach
	void createRoot() throws IOException {
		// under /tmp, not the (possibly long) java.io.tmpdir: socket paths are limited to
		// ~107 bytes
		this.root = Files.createTempDirectory(Path.of("/tmp"), "bc-");
	}

	@AfterEach
	void closeAll() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		if (this.server != null) {
			this.server.close();
		}
		try (Stream<Path> walk = Files.walk(this.root)) {
			for (Path path : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
				Files.deleteIfExists(path);
			}
		}
	}

	@Test
	void socketDirectoryIsPrivate() throws IOException {
		long pid = ProcessHandle.current().pid();
		SocketDirectory directory = SocketDirectory.create(this.root, pid);
		assertThat(directory.path()).isDirectory().hasParent(this.root);
		assertThat(directory.path().getFileName().toString()).startsWith("bootcluster-" + pid + "-");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.path())))
			.isEqualTo("rwx------");
		assertThat(directory.socket()).isEqualTo(directory.path().resolve("master.sock"));
		directory.delete();
		assertThat(directory.path()).doesNotExist();
	}

	@Test
	void socketDirectoryIsFreshEachTime() throws IOException {
		long pid = ProcessHandle.current().pid();
		SocketDirectory first = SocketDirectory.create(this.root, pid);
		SocketDirectory second = SocketDirectory.create(this.root, pid);
		assertThat(first.path()).isNotEqualTo(second.path());
		assertThat(first.path()).isDirectory();
		assertThat(second.path()).isDirectory();
	}

	@Test
	void staleDirectoriesOfDeadMastersAreRemoved() throws IOException {
		long alivePid = ProcessHandle.current().pid();
		Path dead = Files.createDirectory(this.root.resolve("bootcluster-" + DEAD_PID + "-123"));
		Files.createDirectory(dead.resolve("nested"));
		Files.writeString(dead.resolve("nested").resolve("file"), "x");
		Files.writeString(dead.resolve("master.sock"), "not really a socket");
		Path deadWithoutSuffix = Files.createDirectory(this.root.resolve("bootcluster-" + (DEAD_PID + 1)));
		Path alive = Files.createDirectory(this.root.resolve("bootcluster-" + alivePid + "-456"));
		Path notAPid = Files.createDirectory(this.root.resolve("bootcluster-abc-789"));
		Path emptyPid = Files.createDirectory(this.root.resolve("bootcluster--" + DEAD_PID));
		Path unrelated = Files.createDirectory(this.root.resolve("other-" + DEAD_PID + "-1"));
		Path plainFile = Files.writeString(this.root.resolve("bootcluster-" + (DEAD_PID + 2) + "-file"), "keep");
		SocketDirectory created = SocketDirectory.create(this.root, alivePid);
		assertThat(dead).doesNotExist();
		assertThat(deadWithoutSuffix).doesNotExist();
		assertThat(alive).isDirectory();
		assertThat(notAPid).isDirectory();
		assertThat(emptyPid).isDirectory();
		assertThat(unrelated).isDirectory();
		assertThat(plainFile).isRegularFile();
		assertThat(created.path()).isDirectory();
	}

	@Test
	void ownerPidIsParsedFromTheDirectoryName() {
		assertThat(SocketDirectory.ownerPid("bootcluster-1234-5678")).isEqualTo(1234);
		assertThat(SocketDirectory.ownerPid("bootcluster-1234")).isEqualTo(1234);
		// no owner: anything not positive, which removeStale never touches
		assertThat(SocketDirectory.ownerPid("bootcluster-abc-5678")).isNotPositive();
		assertThat(SocketDirectory.ownerPid("bootcluster--5678")).isNotPositive();
		assertThat(SocketDirectory.ownerPid("bootcluster-")).isNotPositive();
		assertThat(SocketDirectory.ownerPid("other-1234-5678")).isNotPositive();
	}

	@Test
	void clientWithTheTokenIsConnectedAndItsMessagesAreReceived() throws IOException {
		startServer();
		IpcChannel client = connect();
		Hello hello = new Hello(1, 111, TOKEN);
		client.send(hello);
		client.send(new Ready(1));
		await().atMost(TIMEOUT).untilAsserted(() -> {
			assertThat(this.handler.connected).containsExactly(hello);
			assertThat(this.handler.received).containsExactly(new Ready(1));
		});
		assertThat(this.handler.disconnected).isEmpty();
	}

	@Test
	void handlerAnswersOverTheSameConnection() throws IOException {
		startServer();
		IpcChannel client = connect();
		client.send(new Hello(1, 111, TOKEN));
		client.send(new StatusRequest(42));
		Message reply = receive(client);
		assertThat(reply).isEqualTo(new StatusReply(42, SNAPSHOT));
	}

	@Test
	void clientClosingCleanlyIsDisconnected() throws IOException {
		startServer();
		IpcChannel client = connect();
		Hello hello = new Hello(2, 222, TOKEN);
		client.send(hello);
		await().atMost(TIMEOUT).until(() -> this.handler.connected.contains(hello));
		client.close();
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.handler.disconnected).containsExactly(hello));
	}

	@Test
	void clientWithBadTokenIsDisconnectedAndServerKeepsServing() throws IOException {
		startServer();
		IpcChannel intruder = connect();
		intruder.send(new Hello(1, 111, "wrong-token"));
		// sent at once, before the refusal: none of it may be acted on
		intruder.send(new Ready(1));
		intruder.send(new StatusRequest(1));
		assertClosedByServer(intruder);
		assertThat(this.handler.connected).isEmpty();
		assertThat(this.handler.received).isEmpty();
		assertGoodClientStillConnects();
		assertThat(this.handler.disconnected).isEmpty();
	}

	@Test
	void clientWithTokenThatIsAPrefixIsDisconnected() throws IOException {
		startServer();
		IpcChannel intruder = connect();
		intruder.send(new Hello(1, 111, TOKEN.substring(0, TOKEN.length() - 1)));
		assertClosedByServer(intruder);
		IpcChannel other = connect();
		other.send(new Hello(1, 111, TOKEN + "x"));
		assertClosedByServer(other);
		assertThat(this.handler.connected).isEmpty();
	}

	@Test
	void clientWithNullTokenIsDisconnectedAndServerKeepsServing() throws IOException {
		startServer();
		SocketChannel raw = connectRaw();
		writeFrame(raw, "{\"type\":\"hello\",\"workerId\":1,\"pid\":111,\"token\":null}");
		assertClosedByServer(raw);
		assertThat(this.handler.connected).isEmpty();
		assertGoodClientStillConnects();
	}

	@Test
	void clientWhoseFirstFrameIsNotHelloIsDisconnected() throws IOException {
		startServer();
		IpcChannel client = connect();
		client.send(new Ready(1));
		assertClosedByServer(client);
		assertThat(this.handler.connected).isEmpty();
		assertThat(this.handler.received).isEmpty();
		assertGoodClientStillConnects();
	}

	@Test
	void clientThatSendsNothingAndLeavesIsIgnored() throws IOException {
		startServer();
		connect().close();
		assertGoodClientStillConnects();
		assertThat(this.handler.connected).hasSize(1);
	}

	@Test
	void clientSendingOversizedLengthBeforeHelloIsDisconnected() throws IOException {
		startServer();
		SocketChannel raw = connectRaw();
		raw.write(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).flip());
		assertClosedByServer(raw);
		assertThat(this.handler.connected).isEmpty();
		assertGoodClientStillConnects();
	}

	@Test
	void clientSendingOversizedLengthAfterHelloIsDisconnected() throws IOException {
		startServer();
		SocketChannel raw = connectRaw();
		Hello hello = new Hello(3, 333, TOKEN);
		write(raw, this.codec.encode(hello));
		await().atMost(TIMEOUT).until(() -> this.handler.connected.contains(hello));
		raw.write(ByteBuffer.allocate(4).putInt(LIMIT + 1).flip());
		assertClosedByServer(raw);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.handler.disconnected).containsExactly(hello));
		assertThat(this.handler.received).isEmpty();
		assertGoodClientStillConnects();
	}

	@Test
	void clientSendingNegativeLengthAfterHelloIsDisconnected() throws IOException {
		startServer();
		SocketChannel raw = connectRaw();
		Hello hello = new Hello(3, 333, TOKEN);
		write(raw, this.codec.encode(hello));
		raw.write(ByteBuffer.allocate(4).putInt(-5).flip());
		assertClosedByServer(raw);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.handler.disconnected).containsExactly(hello));
		assertGoodClientStillConnects();
	}

	@Test
	void clientSendingGarbageAfterHelloIsDisconnected() throws IOException {
		startServer();
		SocketChannel raw = connectRaw();
		Hello hello = new Hello(4, 444, TOKEN);
		write(raw, this.codec.encode(hello));
		writeFrame(raw, "{\"type\":\"ready\",\"workerId\":4}");
		writeFrame(raw, "this is not json");
		assertClosedByServer(raw);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.handler.disconnected).containsExactly(hello));
		assertThat(this.handler.received).containsExactly(new Ready(4));
		assertGoodClientStillConnects();
	}

	@Test
	void clientSendingUnknownTypeAfterHelloIsDisconnected() throws IOException {
		startServer();
		SocketChannel raw = connectRaw();
		Hello hello = new Hello(4, 444, TOKEN);
		write(raw, this.codec.encode(hello));
		writeFrame(raw, "{\"type\":\"java.lang.Runtime\"}");
		assertClosedByServer(raw);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.handler.disconnected).containsExactly(hello));
		assertThat(this.handler.received).isEmpty();
		assertGoodClientStillConnects();
	}

	@Test
	void clientSendingSecondHelloIsDisconnected() throws IOException {
		startServer();
		IpcChannel client = connect();
		Hello hello = new Hello(5, 555, TOKEN);
		client.send(hello);
		client.send(new Hello(6, 666, TOKEN));
		assertClosedByServer(client);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.handler.disconnected).containsExactly(hello));
		assertThat(this.handler.connected).containsExactly(hello);
		assertThat(this.handler.received).isEmpty();
	}

	@Test
	void handlerFailureClosesOnlyThatConnection() throws IOException {
		startServer();
		IpcChannel bystander = connect();
		Hello bystanderHello = new Hello(1, 111, TOKEN);
		bystander.send(bystanderHello);
		await().atMost(TIMEOUT).until(() -> this.handler.connected.contains(bystanderHello));
		IpcChannel client = connect();
		Hello hello = new Hello(2, 222, TOKEN);
		client.send(hello);
		client.send(new Ready(RecordingHandler.FAILING_WORKER_ID));
		assertClosedByServer(client);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.handler.disconnected).containsExactly(hello));
		bystander.send(new StatusRequest(7));
		assertThat(receive(bystander)).isEqualTo(new StatusReply(7, SNAPSHOT));
	}

	@Test
	void senderIsRefusedBeforeAnythingIsWritten() throws IOException {
		startServer();
		IpcChannel client = connect();
		Hello hello = new Hello(1, 111, TOKEN);
		client.send(hello);
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> client.send(new Hello(1, 111, "x".repeat(LIMIT))));
		client.send(new Ready(1));
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.handler.received).containsExactly(new Ready(1)));
		assertThat(this.handler.disconnected).isEmpty();
		assertThat(client.isOpen()).isTrue();
	}

	@Test
	void serverServesSeveralClientsAtOnce() throws IOException {
		startServer();
		List<IpcChannel> clients = new ArrayList<>();
		for (int id = 1; id <= 5; id++) {
			IpcChannel client = connect();
			client.send(new Hello(id, 1000 + id, TOKEN));
			clients.add(client);
		}
		for (int id = 1; id <= 5; id++) {
			clients.get(id - 1).send(new StatusRequest(id));
		}
		for (int id = 1; id <= 5; id++) {
			assertThat(receive(clients.get(id - 1))).isEqualTo(new StatusReply(id, SNAPSHOT));
		}
		assertThat(this.handler.connected).hasSize(5);
	}

	@Test
	void closeDeletesTheSocketDirectoryAndRefusesNewClients() throws IOException {
		startServer();
		Path socket = this.server.directory().socket();
		assertThat(socket).exists();
		this.server.close();
		assertThat(this.server.directory().path()).doesNotExist();
		assertThatIOException().isThrownBy(() -> IpcChannel.connect(socket, this.codec));
	}

	@Test
	void closeDisconnectsConnectedClients() throws IOException {
		startServer();
		IpcChannel client = connect();
		Hello hello = new Hello(1, 111, TOKEN);
		client.send(hello);
		await().atMost(TIMEOUT).until(() -> this.handler.connected.contains(hello));
		this.server.close();
		assertClosedByServer(client);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(this.handler.disconnected).containsExactly(hello));
	}

	private void startServer() throws IOException {
		startServer(IpcServer.DEFAULT_HELLO_TIMEOUT);
	}

	private void startServer(Duration helloTimeout) throws IOException {
		SocketDirectory directory = SocketDirectory.create(this.root, ProcessHandle.current().pid());
		this.server = new IpcServer(directory, this.codec, this.handler, helloTimeout);
		this.server.start();
	}

	@Test
	void peerThatSendsNoHelloIsDisconnectedAfterTheHelloTimeout(CapturedOutput log) throws IOException {
		startServer(Duration.ofMillis(200));
		IpcChannel silent = connect();
		assertClosedByServer(silent);
		assertThat(log).contains("Closing IPC connection of a peer that sent no hello within 200 ms");
		assertGoodClientStillConnects();
	}

	private IpcChannel connect() throws IOException {
		IpcChannel channel = IpcChannel.connect(this.server.directory().socket(), this.codec);
		this.closeables.add(channel);
		return channel;
	}

	private SocketChannel connectRaw() throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		this.closeables.add(channel);
		channel.connect(UnixDomainSocketAddress.of(this.server.directory().socket()));
		return channel;
	}

	private void assertGoodClientStillConnects() throws IOException {
		IpcChannel client = connect();
		Hello hello = new Hello(9, 999, TOKEN);
		client.send(hello);
		client.send(new StatusRequest(1));
		assertThat(receive(client)).isEqualTo(new StatusReply(1, SNAPSHOT));
		assertThat(this.handler.connected).contains(hello);
	}

	private static Message receive(IpcChannel channel) {
		return assertTimeoutPreemptively(TIMEOUT, channel::receive);
	}

	/** The server closed the connection: the next read sees end-of-file (or a reset). */
	private static void assertClosedByServer(IpcChannel channel) {
		boolean closed = assertTimeoutPreemptively(TIMEOUT, () -> {
			try {
				return channel.receive() == null;
			}
			catch (IOException ex) {
				return true;
			}
		});
		assertThat(closed).as("connection closed by the server").isTrue();
	}

	private static void assertClosedByServer(SocketChannel channel) {
		boolean closed = assertTimeoutPreemptively(TIMEOUT, () -> {
			try {
				return channel.read(ByteBuffer.allocate(64)) < 0;
			}
			catch (IOException ex) {
				return true;
			}
		});
		assertThat(closed).as("connection closed by the server").isTrue();
	}

	private static void writeFrame(SocketChannel channel, String json) throws IOException {
		byte[] payload = json.getBytes(StandardCharsets.UTF_8);
		write(channel, ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).flip());
	}

	private static void write(SocketChannel channel, ByteBuffer buffer) throws IOException {
		while (buffer.hasRemaining()) {
			channel.write(buffer);
		}
	}

	static final class RecordingHandler implements IpcServer.Handler {

		static final int FAILING_WORKER_ID = 13;

		final List<Hello> connected = new CopyOnWriteArrayList<>();

		final List<Message> received = new CopyOnWriteArrayList<>();

		final List<Hello> disconnected = new CopyOnWriteArrayList<>();

		/** Accepts the hellos with the token, as the master accepts its own workers. */
		@Override
		public IpcServer.@Nullable Peer authenticate(Hello hello, IpcChannel channel) {
			if (!TOKEN.equals(hello.token())) {
				return null;
			}
			this.connected.add(hello);
			return new HelloPeer(hello);
		}

		@Override
		public void received(IpcServer.Peer peer, IpcChannel channel, Message message) throws IOException {
			if (message instanceof Ready ready && ready.workerId() == FAILING_WORKER_ID) {
				throw new IllegalStateException("handler failure");
			}
			this.received.add(message);
			if (message instanceof StatusRequest request) {
				channel.send(new StatusReply(request.requestId(), SNAPSHOT));
			}
		}

		@Override
		public void disconnected(IpcServer.Peer peer, IpcChannel channel) {
			this.disconnected.add(((HelloPeer) peer).hello());
		}

	}

	record HelloPeer(Hello hello) implements IpcServer.Peer {

		@Override
		public String describe() {
			return "worker-" + this.hello.workerId() + " (pid " + this.hello.pid() + ")";
		}

	}

}
