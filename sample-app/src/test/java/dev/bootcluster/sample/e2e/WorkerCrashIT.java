package dev.bootcluster.sample.e2e;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code kill -9} of one worker: the master replaces it and clients keep getting answers.
 */
class WorkerCrashIT extends ClusterTestSupport {

	private static final JsonMapper json = JsonMapper.builder().build();

	@Test
	@SuppressWarnings("unchecked")
	void killedWorkerIsReplacedAndCountedWhileTheOtherKeepsServing() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2");
		this.cluster.awaitReady(2);
		List<Long> before = this.cluster.workerPids();
		long victim = before.get(0);
		long survivor = before.get(1);

		AtomicBoolean running = new AtomicBoolean(true);
		AtomicInteger answered = new AtomicInteger();
		AtomicInteger answeredAfterKill = new AtomicInteger();
		AtomicBoolean killed = new AtomicBoolean();
		Thread client = new Thread(() -> {
			while (running.get()) {
				try {
					if (this.cluster.get("/").statusCode() == 200) {
						answered.incrementAndGet();
						if (killed.get()) {
							answeredAfterKill.incrementAndGet();
						}
					}
				}
				catch (Exception ex) {
					// a request in flight on the killed worker may fail; later ones must
					// not
				}
			}
		});
		client.start();
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() > 10);
			ClusterProcess.signal(victim, "KILL");
			killed.set(true);
			await().atMost(Duration.ofSeconds(5)).until(() -> ClusterProcess.isGone(victim));
			// the survivor keeps answering while the replacement boots
			await().atMost(Duration.ofSeconds(10)).until(() -> answeredAfterKill.get() > 20);
			await().atMost(ClusterProcess.STARTUP).until(() -> this.cluster.countLines(" READY in ") >= 3);
		}
		finally {
			running.set(false);
			client.join(30_000);
		}

		List<Long> after = this.cluster.workerPids();
		assertThat(after).hasSize(2).contains(survivor).doesNotContain(victim);
		long replacement = after.stream().filter((pid) -> pid != survivor).findFirst().orElseThrow();

		Map<String, Object> status = json.readValue(this.cluster.get("/actuator/cluster").body(),
				new TypeReference<Map<String, Object>>() {
				});
		assertThat(status).containsEntry("ready", 2).containsEntry("restarts", 1);
		List<Map<String, Object>> workers = (List<Map<String, Object>>) status.get("workers");
		Map<String, Object> replaced = workers.stream()
			.filter((w) -> ((Number) w.get("pid")).longValue() == replacement)
			.findFirst()
			.orElseThrow();
		assertThat(replaced).containsEntry("state", "READY")
			.containsEntry("startedFor", "CRASH")
			.containsEntry("restarts", 1)
			.containsEntry("replacements", 0);
		Map<String, Object> lastExit = (Map<String, Object>) replaced.get("lastExit");
		assertThat(lastExit).containsEntry("exitCode", 137).containsEntry("cause", "CRASHED");
		assertThat(((Number) lastExit.get("pid")).longValue()).isEqualTo(victim);
		assertThat(this.cluster.output()).anySatisfy(
				(line) -> assertThat(line).contains("(pid " + victim + ") crashed: killed (SIGKILL), exit 137"));

		// the replacement itself serves
		boolean replacementServed = false;
		for (int i = 0; i < 60 && !replacementServed; i++) {
			HttpResponse<String> response = freshGet();
			replacementServed = response.body().contains("\"pid\":" + replacement);
		}
		assertThat(replacementServed).as("replacement pid %d answered a request", replacement).isTrue();
	}

	private HttpResponse<String> freshGet() throws Exception {
		// a new client per request: a fresh connection the kernel may give to either
		// worker
		java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
		return client.send(java.net.http.HttpRequest
			.newBuilder(java.net.URI.create("http://127.0.0.1:" + this.cluster.port() + "/"))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

}
