package dev.bootcluster.context;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.worker.WorkerAgent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A {@link WorkerAgent} connected to a fake master over a real Unix domain socket: the
 * test reads what the worker sends.
 */
final class FakeMaster implements AutoCloseable {

	static final Duration TIMEOUT = Duration.ofSeconds(20);

	private static final int MAX_MESSAGE_SIZE = 64 * 1024;

	private final Path root;

	private final ServerSocketChannel server;

	private final WorkerAgent agent;

	private final IpcChannel channel;

	FakeMaster(long heartbeatMillis) throws IOException {
		// under /tmp, not the (possibly long) java.io.tmpdir: socket paths are limited to
		// ~107 bytes
		this.root = Files.createTempDirectory(Path.of("/tmp"), "master-");
		Path socket = this.root.resolve("m.sock");
		this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		this.server.bind(UnixDomainSocketAddress.of(socket));
		this.agent = WorkerAgent.connect(new WorkerEnvironment(1, socket, "token", ProcessHandle.current().pid(), 0,
				null, MAX_MESSAGE_SIZE, heartbeatMillis, false));
		this.channel = new IpcChannel(this.server.accept(), new FrameCodec(MAX_MESSAGE_SIZE));
		assertThat(receive()).isInstanceOf(Message.Hello.class);
		assertThat(receive()).isInstanceOf(Message.Features.class);
	}

	WorkerAgent agent() {
		return this.agent;
	}

	/** The next message from the worker. */
	Message receive() {
		Message message = assertTimeoutPreemptively(TIMEOUT, this.channel::receive);
		assertThat(message).as("message from the worker").isNotNull();
		return message;
	}

	/** The next message from the worker that is not a heartbeat. */
	Message next() {
		Message message;
		do {
			message = receive();
		}
		while (message instanceof Message.Heartbeat || message instanceof Message.Pulse);
		return message;
	}

	@Override
	public void close() throws IOException {
		// the agent first: a worker whose master closes the link halts its JVM
		this.agent.close();
		this.channel.close();
		this.server.close();
		Files.deleteIfExists(this.root.resolve("m.sock"));
		Files.deleteIfExists(this.root);
	}

}
