package dev.bootcluster.actuate;

import java.time.Duration;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerState;

/**
 * UP when every worker slot is READY; DEGRADED (HTTP 200, so the healthy workers keep
 * taking traffic) while some slot is not, or while the status is stale.
 * <p>
 * It answers from the last status this process has
 * ({@link ClusterOperations#lastKnownStatus()}: in a worker, the one the master pushes
 * after every heartbeat), so a health probe costs no round trip to the master. A status
 * older than the staleness limit (or none yet) is DEGRADED with {@code stale: true} and
 * its age ({@code statusAgeMillis}): the master has not answered the last heartbeats, so
 * what it said last may be out of date.
 */
public class ClusterHealthIndicator extends AbstractHealthIndicator {

	/** Some worker slots are not READY; the cluster still serves. */
	public static final Status DEGRADED = new Status("DEGRADED", "Some workers are not ready");

	private final ClusterOperations operations;

	private final Duration staleAfter;

	/**
	 * @param staleAfter how old the last known status may be before it is stale
	 */
	public ClusterHealthIndicator(ClusterOperations operations, Duration staleAfter) {
		super("Cluster health check failed");
		this.operations = operations;
		this.staleAfter = staleAfter;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		ClusterSnapshot snapshot = this.operations.lastKnownStatus();
		Duration age = this.operations.lastKnownStatusAge();
		if (snapshot == null || age == null) {
			builder.status(DEGRADED)
				.withDetail("role", this.operations.role())
				.withDetail("stale", true)
				.withDetail("staleAfterMillis", this.staleAfter.toMillis())
				.withDetail("reason", "no cluster status received from the master yet");
			return;
		}
		boolean stale = age.compareTo(this.staleAfter) > 0;
		boolean allReady = snapshot.workers().stream().allMatch((worker) -> worker.state() == WorkerState.READY);
		builder.status((!stale && allReady && snapshot.ready() >= snapshot.desired()) ? Status.UP : DEGRADED);
		builder.withDetail("role", snapshot.role());
		builder.withDetail("desired", snapshot.desired());
		builder.withDetail("ready", snapshot.ready());
		for (WorkerSnapshot worker : snapshot.workers()) {
			builder.withDetail("worker-" + worker.id(), worker.state());
		}
		builder.withDetail("statusAgeMillis", age.toMillis());
		builder.withDetail("stale", stale);
		if (stale) {
			builder.withDetail("staleAfterMillis", this.staleAfter.toMillis());
			builder.withDetail("reason", "the master's last status is " + age.toMillis() + " ms old (stale after "
					+ this.staleAfter.toMillis() + " ms)");
		}
	}

}
