package dev.bootcluster.sample.e2e;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Changing the number of workers of a running cluster under load, with no failed request:
 * {@code POST /actuator/cluster/scale} and the master's SIGTTIN and SIGTTOU (one more,
 * one fewer, as in Gunicorn). New workers take the lowest free slots; the surplus ones,
 * the highest, drain as a rolling restart's old workers do.
 */
class ScalingIT extends ClusterTestSupport {

	@Test
	@SuppressWarnings("unchecked")
	void scalesUpAndDownUnderLoadLosingNoRequest() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2");
		this.cluster.awaitReady(2);
		// bad counts change nothing
		assertBadRequest("{\"workers\":0}", "A worker count is a whole number from 1 to 256, not 0");
		assertBadRequest("{\"workers\":\"many\"}", "'workers' must be a whole number from 1 to 256, was 'many'");
		assertBadRequest("{}", "'workers' is required");
		assertThat(this.cluster.status()).containsEntry("desired", 2);

		LoadClient load = new LoadClient(this.cluster.port(), "/", 2, 2);
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> load.succeeded() > 200);
			HttpResponse<String> up = this.cluster.postJson("/actuator/cluster/scale", "{\"workers\":3}");
			assertThat(up.statusCode()).as(up.body()).isEqualTo(202);
			assertThat(ClusterProcess.parse(up.body())).containsEntry("previous", 2).containsEntry("desired", 3);
			assertThat(this.cluster.status()).containsEntry("desired", 3);
			awaitWorkers(Set.of(1, 2, 3));
			long third = pidOf(3);

			// SIGTTOU: one fewer, the highest slot drains
			ClusterProcess.signal(this.cluster.masterPid(), "TTOU");
			awaitWorkers(Set.of(1, 2));
			await().atMost(Duration.ofSeconds(30)).until(() -> ClusterProcess.isGone(third));
			assertThat(this.cluster.masterLines())
				.anySatisfy((line) -> assertThat(line).contains("Scaling from 3 to 2 workers (SIGTTOU)"));

			// down to one through the endpoint, then SIGTTIN: one more, in the free slot
			// 2
			HttpResponse<String> down = this.cluster.postJson("/actuator/cluster/scale", "{\"workers\":1}");
			assertThat(down.statusCode()).as(down.body()).isEqualTo(202);
			assertThat(ClusterProcess.parse(down.body())).containsEntry("previous", 2).containsEntry("desired", 1);
			awaitWorkers(Set.of(1));
			ClusterProcess.signal(this.cluster.masterPid(), "TTIN");
			awaitWorkers(Set.of(1, 2));
			long atEnd = load.succeeded();
			await().atMost(Duration.ofSeconds(10)).until(() -> load.succeeded() > atEnd + 100);
		}
		finally {
			load.close();
		}
		System.out.printf("scaling 2 -> 3 -> 2 -> 1 -> 2 under load: %d succeeded, %d failed%n", load.succeeded(),
				load.failed());
		assertThat(load.failed()).as("failed requests: %s", load.failures()).isZero();
		assertThat(this.cluster.workerPids()).hasSize(2);
		Map<String, Object> status = this.cluster.status();
		assertThat(status).containsEntry("restarts", 0);
		assertThat((List<Map<String, Object>>) status.get("workers"))
			.allSatisfy((worker) -> assertThat(worker).containsEntry("restarts", 0));
	}

	private void assertBadRequest(String body, String message) throws Exception {
		HttpResponse<String> response = this.cluster.postJson("/actuator/cluster/scale", body);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
		assertThat(response.body()).contains(message);
	}

	/**
	 * Waits until the status shows exactly these slots, every one READY, and as many
	 * ready as desired.
	 */
	@SuppressWarnings("unchecked")
	private void awaitWorkers(Set<Integer> slots) {
		await().atMost(ClusterProcess.STARTUP).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
			Map<String, Object> status = this.cluster.status();
			List<Map<String, Object>> workers = (List<Map<String, Object>>) status.get("workers");
			Set<Integer> ids = new TreeSet<>();
			for (Map<String, Object> worker : workers) {
				assertThat(worker).containsEntry("state", "READY");
				ids.add((Integer) worker.get("id"));
			}
			assertThat(ids).isEqualTo(slots);
			assertThat(status).containsEntry("desired", slots.size()).containsEntry("ready", slots.size());
		});
	}

	@SuppressWarnings("unchecked")
	private long pidOf(int slot) throws Exception {
		List<Map<String, Object>> workers = (List<Map<String, Object>>) this.cluster.status().get("workers");
		return workers.stream()
			.filter((worker) -> Integer.valueOf(slot).equals(worker.get("id")))
			.map((worker) -> ((Number) worker.get("pid")).longValue())
			.findFirst()
			.orElseThrow();
	}

}
