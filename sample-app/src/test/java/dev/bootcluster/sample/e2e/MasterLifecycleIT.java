package dev.bootcluster.sample.e2e;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The master's end: {@code kill -9} leaves no orphan (SIGTERM, the graceful stop, is in
 * {@link ServersIT} for every server).
 */
class MasterLifecycleIT extends ClusterTestSupport {

	@Test
	void killingTheMasterTakesEveryWorkerWithIt() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2");
		this.cluster.awaitReady(2);
		List<Long> workers = this.cluster.workerPids();
		assertThat(workers).hasSize(2);

		ClusterProcess.signal(this.cluster.masterPid(), "KILL");
		long killedAt = System.nanoTime();

		await().atMost(Duration.ofSeconds(2))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> workers.stream().allMatch(ClusterProcess::isGone));
		long goneAfterMillis = (System.nanoTime() - killedAt) / 1_000_000;
		System.out.println("workers gone " + goneAfterMillis + " ms after kill -9 of the master");
	}

	// The graceful stop on SIGTERM (exit 0, a request in flight answered, every worker
	// gone, none reported as crashed) is checked per server, the sample's Tomcat
	// included, by ServersIT, which saves this class a cluster.

}
