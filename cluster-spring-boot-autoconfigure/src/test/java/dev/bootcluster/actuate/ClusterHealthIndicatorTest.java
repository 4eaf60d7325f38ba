package dev.bootcluster.actuate;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerState;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterHealthIndicator}.
 */
class ClusterHealthIndicatorTest {

	private static final Duration STALE_AFTER = Duration.ofSeconds(5);

	@Test
	void allReadyIsUp() {
		Health health = health(Snapshots.cluster(WorkerState.READY, WorkerState.READY, WorkerState.READY));
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("role", ClusterRole.MASTER)
			.containsEntry("desired", 3)
			.containsEntry("ready", 3)
			.containsEntry("worker-1", WorkerState.READY)
			.containsEntry("worker-2", WorkerState.READY)
			.containsEntry("worker-3", WorkerState.READY)
			.containsEntry("statusAgeMillis", 0L)
			.containsEntry("stale", false);
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

	/** A probe costs no round trip: the status the master pushed is the answer. */
	@Test
	void answersFromThePushedStatusWithoutAskingTheMaster() {
		AtomicInteger asked = new AtomicInteger();
		ClusterSnapshot pushed = Snapshots.cluster(WorkerState.READY, WorkerState.READY);
		StubClusterOperations operations = new StubClusterOperations(ClusterRole.WORKER, 1, () -> {
			asked.incrementAndGet();
			return Snapshots.cluster(WorkerState.CRASHED, WorkerState.CRASHED);
		}, pushed).lastKnownAge(Duration.ofMillis(800));
		Health health = new ClusterHealthIndicator(operations, STALE_AFTER).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("ready", 2)
			.containsEntry("worker-1", WorkerState.READY)
			.containsEntry("statusAgeMillis", 800L)
			.containsEntry("stale", false);
		assertThat(asked).hasValue(0);
	}

	@Test
	void statusAsOldAsTheLimitIsStillFresh() {
		Health health = health(Snapshots.cluster(WorkerState.READY), STALE_AFTER);
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("stale", false);
	}

	@Test
	void staleStatusIsDegradedEvenWhenEveryWorkerWasReady() {
		Health health = health(Snapshots.cluster(WorkerState.READY, WorkerState.READY), STALE_AFTER.plusMillis(1));
		assertThat(health.getStatus()).isEqualTo(ClusterHealthIndicator.DEGRADED);
		assertThat(health.getDetails()).containsEntry("stale", true)
			.containsEntry("statusAgeMillis", 5001L)
			.containsEntry("staleAfterMillis", 5000L)
			.containsEntry("ready", 2)
			.containsEntry("worker-1", WorkerState.READY)
			.containsEntry("worker-2", WorkerState.READY);
		assertThat(String.valueOf(health.getDetails().get("reason"))).contains("5001 ms old");
	}

	@Test
	void noStatusYetIsDegradedAndStale() {
		StubClusterOperations operations = new StubClusterOperations(ClusterRole.WORKER, 1, () -> {
			throw new AssertionError("the health contributor must not ask the master");
		}, null);
		Health health = new ClusterHealthIndicator(operations, STALE_AFTER).health();
		assertThat(health.getStatus()).isEqualTo(ClusterHealthIndicator.DEGRADED);
		assertThat(health.getDetails()).containsEntry("role", ClusterRole.WORKER)
			.containsEntry("stale", true)
			.containsEntry("staleAfterMillis", 5000L)
			.doesNotContainKey("statusAgeMillis");
		assertThat(String.valueOf(health.getDetails().get("reason"))).contains("no cluster status");
	}

	private static Health health(ClusterSnapshot snapshot, Duration age) {
		StubClusterOperations operations = new StubClusterOperations(ClusterRole.WORKER, 2, () -> {
			throw new AssertionError("the health contributor must not ask the master");
		}, snapshot).lastKnownAge(age);
		return new ClusterHealthIndicator(operations, STALE_AFTER).health();
	}

	private static Health health(ClusterSnapshot snapshot) {
		return new ClusterHealthIndicator(StubClusterOperations.returning(snapshot), STALE_AFTER).health();
	}

}
