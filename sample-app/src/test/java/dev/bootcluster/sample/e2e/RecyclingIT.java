package dev.bootcluster.sample.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code cluster.recycle.*}: workers over their request limit are recycled under load
 * through the rolling path, one at a time and losing no request, each with its own
 * jittered limit; with the load gone, age recycles them; the status says why.
 */
class RecyclingIT extends ClusterTestSupport {

	private static final int MAX_REQUESTS = 1500;

	private static final Pattern RECYCLING = Pattern
		.compile("Recycling worker-(\\d+) \\(pid \\d+\\): max-requests: served \\d+ requests \\(limit (\\d+)\\)");

	@Test
	@SuppressWarnings("unchecked")
	void workersAreRecycledOneAtATimeByRequestsUnderLoadThenByAge() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2",
				"--cluster.recycle.max-requests=" + MAX_REQUESTS, "--cluster.recycle.max-age=20s");
		this.cluster.awaitReady(2);
		assertThat(this.cluster.masterLines()).anySatisfy((line) -> assertThat(line)
			.contains("Workers are recycled one at a time at max-requests 1500, max-age 20s (request and age limits "
					+ "raised by up to 10% per worker)"));
		LoadClient load = new LoadClient(this.cluster.port(), "/", 2, 2);
		try {
			// both slots once: worker-1 and worker-2 come due within a second or two of
			// each other, and the second waits for the first's replacement to end
			await().atMost(Duration.ofSeconds(90))
				.pollInterval(Duration.ofMillis(250))
				.until(() -> recycled("max-requests") >= 2);
			Map<String, Object> status = this.cluster.status();
			List<Map<String, Object>> workers = (List<Map<String, Object>>) status.get("workers");
			assertThat(workers).anySatisfy((worker) -> {
				assertThat(((Number) worker.get("requests")).longValue()).isPositive();
				assertThat(((Number) worker.get("requestsPerSecond")).doubleValue()).isPositive();
			});
			assertThat(workers).filteredOn((worker) -> worker.get("lastHeartbeat") != null)
				.isNotEmpty()
				.allSatisfy(
						(worker) -> assertThat(((Number) worker.get("rssBytes")).longValue()).isGreaterThan(20 << 20));
			assertThat(((Number) status.get("masterRssBytes")).longValue()).isGreaterThan(20 << 20);
		}
		finally {
			load.close();
		}
		System.out.printf("recycling under load: %d succeeded, %d failed%n", load.succeeded(), load.failed());
		assertThat(load.failed()).as("failed requests: %s", load.failures()).isZero();
		assertOneAtATime();
		List<Integer> limits = new ArrayList<>();
		for (String line : this.cluster.masterLines()) {
			Matcher matcher = RECYCLING.matcher(line);
			if (matcher.find()) {
				limits.add(Integer.parseInt(matcher.group(2)));
			}
		}
		assertThat(limits).as("each process's limit, raised by up to 10%")
			.isNotEmpty()
			.allSatisfy((limit) -> assertThat(limit).isBetween(MAX_REQUESTS, MAX_REQUESTS * 11 / 10));

		// no load: age
		await().atMost(Duration.ofSeconds(90))
			.pollInterval(Duration.ofMillis(250))
			.until(() -> recycled("max-age") >= 1);
		assertOneAtATime();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			List<Map<String, Object>> workers = (List<Map<String, Object>>) this.cluster.status().get("workers");
			assertThat(workers).anySatisfy((worker) -> {
				Map<String, Object> exit = (Map<String, Object>) worker.get("lastExit");
				assertThat(exit).containsEntry("cause", "RECYCLED");
				assertThat((String) exit.get("reason")).startsWith("max-age: ran ");
				assertThat(worker).containsEntry("startedFor", "RECYCLE").containsEntry("restarts", 0);
				assertThat((Integer) worker.get("recycles")).isGreaterThanOrEqualTo(2);
			});
		});
		assertThat(this.cluster.status()).containsEntry("restarts", 0).containsEntry("ready", 2);
	}

	/** Recycles of this kind whose replacement is done. */
	private long recycled(String kind) {
		List<String> lines = this.cluster.masterLines();
		int done = 0;
		String pending = null;
		for (String line : lines) {
			if (line.contains("Recycling worker-")) {
				pending = line;
			}
			else if (pending != null && line.contains(" recycled: ")) {
				if (pending.contains(": " + kind + ": ")) {
					done++;
				}
				pending = null;
			}
		}
		return done;
	}

	/** Each recycle ends before the next starts. */
	private void assertOneAtATime() {
		boolean running = false;
		for (String line : this.cluster.masterLines()) {
			if (line.contains("Recycling worker-")) {
				assertThat(running).as("a recycle started while another ran: " + line).isFalse();
				running = true;
			}
			else if (line.contains(" recycled: ")) {
				running = false;
			}
		}
	}

}
