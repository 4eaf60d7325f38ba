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
		await().atMost(Duration.ofSeconds(10)).until(this::someWorkerIsBusy);
		ClusterProcess.signal(this.cluster.masterPid(), "TERM");

		assertThat(this.cluster.awaitExit(Duration.ofSeconds(45))).isZero();
		assertThat(inFlight.get()).isEqualTo(200);
		assertThat(workers).allMatch(ClusterProcess::isGone);
		assertThat(this.cluster.output()).anySatisfy((line) -> assertThat(line).contains("stopping the cluster gracefully"));
		assertThat(this.cluster.output()).noneSatisfy((line) -> assertThat(line).contains("exited unexpectedly"));
	}

	private boolean someWorkerIsBusy() {
		// the in-flight request shows as a worker thread burning CPU; read the worker's CPU ticks
		return this.cluster.workerPids().stream().anyMatch(MasterLifecycleIT::busy);
	}

	private static boolean busy(long pid) {
		try {
			long before = cpuTicks(pid);
			Thread.sleep(200);
			return cpuTicks(pid) - before >= 10;
		}
		catch (Exception ex) {
			return false;
		}
	}

	private static long cpuTicks(long pid) throws Exception {
		String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

}
