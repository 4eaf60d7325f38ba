package dev.bootcluster.worker;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.ipc.Message;

/**
 * Cluster operations of a worker: every question goes to the master over IPC.
 */
public class WorkerClusterOperations implements ClusterOperations {

	private final WorkerAgent agent;

	private final Duration timeout;

	public WorkerClusterOperations(WorkerAgent agent, Duration timeout) {
		this.agent = agent;
		this.timeout = timeout;
	}

	@Override
	public ClusterSnapshot status() {
		return this.agent.status(this.timeout);
	}

	@Override
	public RestartOutcome restart(String trigger) {
		Message.RestartReply reply = this.agent.requestRestart(trigger, this.timeout);
		return new RestartOutcome(reply.started(), reply.operation());
	}

	@Override
	public ScaleOutcome scale(int workers, String trigger) {
		Message.ScaleReply reply = this.agent.requestScale(workers, trigger, this.timeout);
		String refused = reply.refused();
		if (refused != null) {
			throw reply.invalid() ? new IllegalArgumentException(refused) : new IllegalStateException(refused);
		}
		return new ScaleOutcome(reply.previous(), reply.desired());
	}

	@Override
	public @Nullable ClusterSnapshot lastKnownStatus() {
		return this.agent.latestStatus();
	}

	@Override
	public @Nullable Duration lastKnownStatusAge() {
		return this.agent.latestStatusAge();
	}

	@Override
	public ClusterRole role() {
		return ClusterRole.WORKER;
	}

	@Override
	public int workerId() {
		return this.agent.workerId();
	}

}
