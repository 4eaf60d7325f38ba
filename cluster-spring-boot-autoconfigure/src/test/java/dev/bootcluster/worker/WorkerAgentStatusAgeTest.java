package dev.bootcluster.worker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.Message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link WorkerAgent#latestStatusAge()} against a fake master on a real Unix
 * domain socket: the health contributor tells a stale pushed status by it.
 */
class WorkerAgentStatusAgeTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private Path root;

	private ServerSocketChannel server;

	private WorkerAgent agent;

	private IpcChannel master;

	@BeforeEach
	void connect() throws IOException {
		// under /tmp: socket paths are limited to ~107 bytes
		this.root = Files.createTempDirectory(Path.of("/tmp"), "agent-age-");
		Path socket = this.root.resolve("m.sock");
		this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		this.server.bind(UnixDomainSocketAddress.of(socket));
		// heartbeats rarely (the first goes at once): the fake master pushes by hand
		this.agent = WorkerAgent.connect(new WorkerEnvironment(1, socket, "token", ProcessHandle.current().pid(), 0,
				null, 64 * 1024, 600_000, false));
		this.master = new IpcChannel(this.server.accept(), new FrameCodec(64 * 1024));
		assertThat(this.master.receive()).isInstanceOf(Message.Hello.class);
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

	private static ClusterSnapshot snapshot(int desired) {
		return new ClusterSnapshot(ClusterRole.MASTER, 999, desired, 0, 0, 8080, List.of(), null, "reuseport", null);
	}

}
