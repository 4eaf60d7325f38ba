package dev.bootcluster.actuate;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerState;

/**
 * UP when every worker slot is READY; DEGRADED (HTTP 200, so the healthy workers keep
 * taking traffic) while some slot is not.
 */
public class ClusterHealthIndicator extends AbstractHealthIndicator {

	/** Some worker slots are not READY; the cluster still serves. */
	public static final Status DEGRADED = new Status("DEGRADED", "Some workers are not ready");

	private final ClusterOperations operations;

	public ClusterHealthIndicator(ClusterOperations operations) {
		super("Cluster health check failed");
		this.operations = operations;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		ClusterSnapshot snapshot = this.operations.status();
		boolean allReady = snapshot.workers().stream().allMatch((worker) -> worker.state() == WorkerState.READY);
		builder.status((allReady && snapshot.ready() >= snapshot.desired()) ? Status.UP : DEGRADED);
		builder.withDetail("role", snapshot.role());
		builder.withDetail("desired", snapshot.desired());
		builder.withDetail("ready", snapshot.ready());
		for (WorkerSnapshot worker : snapshot.workers()) {
			builder.withDetail("worker-" + worker.id(), worker.state());
		}
	}

}
