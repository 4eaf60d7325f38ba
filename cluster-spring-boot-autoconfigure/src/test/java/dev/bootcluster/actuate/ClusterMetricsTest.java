package dev.bootcluster.actuate;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.StoreStats;
import dev.bootcluster.WorkerState;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterMetrics}.
 */
class ClusterMetricsTest {

	@Test
	void metersReadTheLastKnownStatusWithoutAskingTheMaster() {
		ClusterSnapshot snapshot = Snapshots.cluster(WorkerState.READY, WorkerState.READY, WorkerState.CRASHED);
		StubClusterOperations operations = new StubClusterOperations(ClusterRole.WORKER, 1, () -> {
			throw new AssertionError("a scrape must not ask the master");
		}, snapshot);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new ClusterMetrics(operations).bindTo(registry);
		assertThat(registry.get("cluster.workers.desired").gauge().value()).isEqualTo(3);
		assertThat(registry.get("cluster.workers.ready").gauge().value()).isEqualTo(2);
		assertThat(registry.get("cluster.workers.restarts").functionCounter().count()).isEqualTo(3);
	}

	@Test
	void storeMetersReadTheStoreFigures() {
		ClusterSnapshot base = Snapshots.cluster(WorkerState.READY);
		ClusterSnapshot snapshot = new ClusterSnapshot(base.role(), base.masterPid(), base.desired(), base.ready(),
				base.restarts(), base.port(), base.workers(), null, base.listener(), null,
				new StoreStats(7, 4096, 65536, 2, 1, 5));
		StubClusterOperations operations = new StubClusterOperations(ClusterRole.WORKER, 1, () -> {
			throw new AssertionError("a scrape must not ask the master");
		}, snapshot);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new ClusterMetrics(operations).bindTo(registry);
		assertThat(registry.get("cluster.store.entries").gauge().value()).isEqualTo(7);
		assertThat(registry.get("cluster.store.bytes.used").gauge().value()).isEqualTo(4096);
		assertThat(registry.get("cluster.store.bytes.max").gauge().value()).isEqualTo(65536);
		assertThat(registry.get("cluster.store.evictions").functionCounter().count()).isEqualTo(2);
		assertThat(registry.get("cluster.store.refusals").functionCounter().count()).isEqualTo(1);
		assertThat(registry.get("cluster.store.expirations").functionCounter().count()).isEqualTo(5);
	}

	@Test
	void metersAreNaNBeforeTheFirstStatus() {
		StubClusterOperations operations = new StubClusterOperations(ClusterRole.WORKER, 1, () -> {
			throw new AssertionError("a scrape must not ask the master");
		}, null);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new ClusterMetrics(operations).bindTo(registry);
		assertThat(registry.get("cluster.workers.desired").gauge().value()).isNaN();
		assertThat(registry.get("cluster.workers.ready").gauge().value()).isNaN();
	}

}
