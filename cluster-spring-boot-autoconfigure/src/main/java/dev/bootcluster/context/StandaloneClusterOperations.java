package dev.bootcluster.context;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.core.env.Environment;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerState;

/**
 * A process that is master and worker at once: the cluster is this JVM.
 */
public class StandaloneClusterOperations implements ClusterOperations {

	private final Environment environment;

	private final Instant startedAt = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());

	public StandaloneClusterOperations(Environment environment) {
		this.environment = environment;
	}

	@Override
	public ClusterSnapshot status() {
		long pid = ProcessHandle.current().pid();
		long uptime = Duration.between(this.startedAt, Instant.now()).toMillis();
		long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
		int port = this.environment.getProperty("local.server.port", Integer.class,
				this.environment.getProperty("server.port", Integer.class, 8080));
		WorkerSnapshot self = new WorkerSnapshot(0, pid, WorkerState.READY, WorkerSnapshot.StartReason.START,
				this.startedAt, uptime, null, Instant.now(), heap, 0, 0, null, List.of());
		return new ClusterSnapshot(ClusterRole.STANDALONE, pid, 1, 1, 0, port, List.of(self), null, "standalone", null);
	}

	@Override
	public RestartOutcome restart(String trigger) {
		throw new UnsupportedOperationException(
				"This application runs STANDALONE (no cluster.workers, or under a test): there are no workers to restart");
	}

	@Override
	public ClusterRole role() {
		return ClusterRole.STANDALONE;
	}

	@Override
	public int workerId() {
		return 0;
	}

}
