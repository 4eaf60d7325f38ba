package dev.bootcluster.sample.e2e;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The master's end: {@code kill -9} leaves no orphan; SIGTERM stops the cluster gracefully.
 */
class MasterLifecycleIT extends ClusterTestSupport {


	@Test
	void killingTheMasterTakesEveryWorkerWithIt() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2").awaitReady(2);
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

	@Test
	void sigtermStopsTheClusterGracefullyAndTheMasterExitsZero() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2").awaitReady(2);
		List<Long> workers = this.cluster.workerPids();

		// a request in flight when the stop begins must still be answered
		CompletableFuture<Integer> inFlight = CompletableFuture.supplyAsync(() -> {
			try {
				return this.cluster.get("/work?iterations=2000000000").statusCode();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		// in flight means a worker runs it: a connection still queued when the workers stop
		// accepting is reset, as with any server that stops (a CPU-busy heuristic once took JIT
		// work after start-up for the request and sent SIGTERM too early)
		await().atMost(Duration.ofSeconds(30)).until(() -> this.cluster.countLines("Long /work request started") == 1);
		ClusterProcess.signal(this.cluster.masterPid(), "TERM");

		assertThat(this.cluster.awaitExit(Duration.ofSeconds(45))).isZero();
		assertThat(inFlight.get()).isEqualTo(200);
		assertThat(workers).allMatch(ClusterProcess::isGone);
		assertThat(this.cluster.output()).anySatisfy((line) -> assertThat(line).contains("stopping the cluster gracefully"));
		assertThat(this.cluster.output()).noneSatisfy((line) -> assertThat(line).contains(") crashed: "));
	}

}
