package dev.bootcluster.sample.e2e;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker that stops reading (frozen with {@code kill -STOP}) holds up neither
 * broadcasts nor the status: with 200 KB broadcasts its socket buffer fills after a
 * couple of them (before issue 11 the master then blocked writing to it, and the third to
 * fifth broadcast hung for good, the status with it). Every broadcast answers, the status
 * answers within a second, and once the worker is continued the cluster is whole again
 * (the master may have dropped the frozen worker's link for overflowing its queue: it
 * then exits on its own and is restarted).
 * <p>
 * Requests go over fresh connections, so none rides a pooled connection to the frozen
 * worker; the listener is the shared socket, from which only running workers accept.
 */
class StoppedWorkerMessagingIT extends ClusterTestSupport {

	private static final int PAYLOAD_BYTES = 200 * 1024;

	/** The bound on the status while a worker is frozen. */
	private static final Duration STATUS_BOUND = Duration.ofSeconds(1);

	/**
	 * A broadcast waits for acknowledgements up to {@code cluster.ipc.request-timeout} (2
	 * s here, the worker 1 s more); anything near this is a hang.
	 */
	private static final Duration BROADCAST_BOUND = Duration.ofSeconds(30);

	@Test
	@SuppressWarnings("unchecked")
	void broadcastsAndTheStatusAnswerWhileAWorkerIsStopped() throws Exception {
		// request-timeout 2 s keeps short the 10 broadcasts that wait for the frozen
		// worker's acknowledgement; the heartbeat timeout (30 s by default) is raised,
		// so the frozen worker is not found HUNG (and continued, for its thread dump)
		// while they run
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=3", "--cluster.listener=shared",
				"--cluster.ipc.request-timeout=2s", "--cluster.worker.heartbeat-timeout=5m");
		this.cluster.awaitReady(3);
		List<Long> workers = this.cluster.workerPids();
		assertThat(workers).hasSize(3);
		long frozen = workers.get(0);
		String body = "{\"topic\": \"big\", \"payload\": \"\\\"" + "x".repeat(PAYLOAD_BYTES) + "\\\"\"}";

		List<Long> running = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Map<String, Object> result = broadcast(body, running);
			assertThat(result).as("broadcast %d with every worker running", i)
				.containsEntry("acknowledged", 3)
				.containsEntry("targets", 3);
		}

		ClusterProcess.signal(frozen, "STOP");
		List<Long> stopped = new ArrayList<>();
		List<Long> statusMillis = new ArrayList<>();
		List<String> acknowledged = new ArrayList<>();
		try {
			for (int i = 0; i < 10; i++) {
				Map<String, Object> result = broadcast(body, stopped);
				acknowledged.add(result.get("acknowledged") + "/" + result.get("targets"));
				long start = System.nanoTime();
				ClusterProcess.RawResponse status = this.cluster.fresh("GET", "/actuator/cluster", null, STATUS_BOUND);
				long took = (System.nanoTime() - start) / 1_000_000;
				statusMillis.add(took);
				assertThat(status.status()).as("GET /actuator/cluster after broadcast %d: %s", i, status.body())
					.isEqualTo(200);
				assertThat(took).as("ms GET /actuator/cluster took after broadcast %d", i)
					.isLessThanOrEqualTo(STATUS_BOUND.toMillis());
			}
		}
		finally {
			System.out.printf(
					"StoppedWorkerMessagingIT: 200 KB broadcast latencies (ms), 3 workers running: %s; "
							+ "one stopped: %s (acknowledged/targets %s); GET /actuator/cluster meanwhile (ms): %s%n",
					running, stopped, acknowledged, statusMillis);
		}

		// once it missed 3 heartbeats (3 s) the stopped worker is silent: broadcasts are
		// no longer addressed to it as a target to wait for, so the last ones (from about
		// 4 s on) are acknowledged by the 2 running workers of 2 targets
		assertThat(acknowledged.subList(acknowledged.size() - 5, acknowledged.size())).as(acknowledged.toString())
			.containsOnly("2/2");
		ClusterProcess.signal(frozen, "CONT");
		await().atMost(ClusterProcess.STARTUP).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			Map<String, Object> status = this.cluster.status();
			assertThat(status).containsEntry("ready", 3);
			assertThat((List<Map<String, Object>>) status.get("workers"))
				.allSatisfy((worker) -> assertThat(worker).containsEntry("state", "READY"));
		});
		List<Long> after = this.cluster.workerPids();
		System.out.printf("StoppedWorkerMessagingIT: after SIGCONT the frozen worker (pid %d) %s; workers %s%n", frozen,
				after.contains(frozen) ? "kept its place" : "was replaced", after);
		assertThat(after).hasSize(3);
		// every worker acknowledges again (a continued worker may first catch up on what
		// was queued for it)
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(
					() -> assertThat(broadcast(body, new ArrayList<>())).as("a broadcast once the cluster recovered")
						.containsEntry("acknowledged", 3)
						.containsEntry("targets", 3));
	}

	/** One 200 KB broadcast through the actuator endpoint; adds its latency. */
	private Map<String, Object> broadcast(String body, List<Long> latencies) throws IOException {
		long start = System.nanoTime();
		ClusterProcess.RawResponse response = this.cluster.fresh("POST", "/actuator/cluster/broadcast", body,
				BROADCAST_BOUND);
		latencies.add((System.nanoTime() - start) / 1_000_000);
		assertThat(response.status()).as("POST /actuator/cluster/broadcast: %s", response.body()).isEqualTo(200);
		return ClusterProcess.parse(response.body());
	}

}
