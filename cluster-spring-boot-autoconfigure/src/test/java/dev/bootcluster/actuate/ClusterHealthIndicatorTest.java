package dev.bootcluster.actuate;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.IpcException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterHealthIndicator}.
 */
class ClusterHealthIndicatorTest {

	@Test
	void allReadyIsUp() {
		Health health = health(Snapshots.cluster(WorkerState.READY, WorkerState.READY, WorkerState.READY));
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("role", ClusterRole.MASTER)
			.containsEntry("desired", 3)
			.containsEntry("ready", 3)
			.containsEntry("worker-1", WorkerState.READY)
			.containsEntry("worker-2", WorkerState.READY)
			.containsEntry("worker-3", WorkerState.READY);
	}

	@ParameterizedTest
	@EnumSource(value = WorkerState.class, names = "READY", mode = EnumSource.Mode.EXCLUDE)
	void oneSlotNotReadyIsDegraded(WorkerState state) {
		Health health = health(Snapshots.cluster(WorkerState.READY, state, WorkerState.READY));
		assertThat(health.getStatus().getCode()).isEqualTo("DEGRADED");
		assertThat(health.getStatus()).isEqualTo(ClusterHealthIndicator.DEGRADED);
		assertThat(health.getDetails()).containsEntry("desired", 3)
			.containsEntry("ready", 2)
			.containsEntry("worker-1", WorkerState.READY)
			.containsEntry("worker-2", state)
			.containsEntry("worker-3", WorkerState.READY);
	}

	@Test
	void crashedAndStartingSlotsAreDegraded() {
		Health health = health(Snapshots.cluster(WorkerState.CRASHED, WorkerState.STARTING));
		assertThat(health.getStatus().getCode()).isEqualTo("DEGRADED");
		assertThat(health.getDetails()).containsEntry("desired", 2)
			.containsEntry("ready", 0)
			.containsEntry("worker-1", WorkerState.CRASHED)
			.containsEntry("worker-2", WorkerState.STARTING);
	}

	@Test
	void fewerSlotsThanDesiredIsDegraded() {
		ClusterSnapshot snapshot = new ClusterSnapshot(ClusterRole.MASTER, 999, 3, 1, 0, 8080,
				List.of(Snapshots.worker(1, WorkerState.READY)), null, "reuseport", null);
		assertThat(health(snapshot).getStatus()).isEqualTo(ClusterHealthIndicator.DEGRADED);
	}

	@Test
	void standaloneIsUp() {
		ClusterSnapshot snapshot = new ClusterSnapshot(ClusterRole.STANDALONE, 1, 1, 1, 0, 8080,
				List.of(Snapshots.worker(0, WorkerState.READY)), null, "standalone", null);
		Health health = health(snapshot);
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("role", ClusterRole.STANDALONE).containsKey("worker-0");
	}

	@Test
	void masterUnreachableIsDown() {
		StubClusterOperations operations = new StubClusterOperations(ClusterRole.WORKER, 1, () -> {
			throw new IpcException("The master did not answer within 5000 ms");
		}, null);
		Health health = new ClusterHealthIndicator(operations).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(String.valueOf(health.getDetails().get("error"))).contains("did not answer");
	}

	private static Health health(ClusterSnapshot snapshot) {
		return new ClusterHealthIndicator(StubClusterOperations.returning(snapshot)).health();
	}

}
