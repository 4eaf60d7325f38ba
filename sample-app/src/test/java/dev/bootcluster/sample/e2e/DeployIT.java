package dev.bootcluster.sample.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Deploying by putting a new build in place of the jar and rolling a restart: a broken
 * build is rolled back, and crash replacements after it start from the last good build (a
 * good build is deployed under load, per server, by {@link ServersIT}).
 */
class DeployIT extends ClusterTestSupport {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	// A good build deployed by SIGHUP (served by every worker afterwards) is checked by
	// ServersIT's rolling deploy of the sample, under load, which saves this class a
	// cluster.

	@Test
	@SuppressWarnings("unchecked")
	void aBrokenBuildIsRolledBackAndCrashReplacementsUseTheLastGoodBuild() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2");
		this.cluster.awaitReady(2);
		List<Long> before = this.cluster.workerPids();

		SampleBuilds.deploy(ClusterProcess.sampleJar(), this.cluster.jar(), "sample.fail-on-start=true\n");
		Map<String, Object> restart = restartAndWait();
		assertThat(restart).as(restart.toString()).containsEntry("state", "ROLLED_BACK").containsEntry("replaced", 0);
		assertThat((String) restart.get("reason")).contains("exited with status 1 before it was READY")
			.contains("the old workers keep serving");
		assertThat((List<String>) restart.get("lastLines"))
			.anySatisfy((line) -> assertThat(line).contains("this build is broken on purpose"));

		// the old workers still serve the old build
		assertThat(this.cluster.workerPids()).containsExactlyInAnyOrderElementsOf(before);
		assertThat(versionsByPid()).containsOnlyKeys(before).containsValues("1");

		// a crash now is replaced from the last good build, not the broken jar on disk
		long victim = before.get(0);
		ClusterProcess.signal(victim, "KILL");
		// two workers, neither the victim, both READY (the master may not have seen the
		// exit yet and still count the victim as READY)
		await().atMost(ClusterProcess.STARTUP).until(() -> {
			List<Long> workers = this.cluster.workerPids();
			return workers.size() == 2 && !workers.contains(victim) && readyWorkers() == 2;
		});
		Map<Long, String> versions = versionsByPid();
		assertThat(versions).containsOnlyKeys(this.cluster.workerPids()).doesNotContainKey(victim);
		assertThat(versions.values()).containsOnly("1");
	}

	@SuppressWarnings("unchecked")
	private int readyWorkers() throws Exception {
		Map<String, Object> status = json.readValue(this.cluster.get("/actuator/cluster").body(), MAP);
		return ((Number) status.get("ready")).intValue();
	}

	/** Fresh connections until every worker answered: its version by PID. */
	private Map<Long, String> versionsByPid() throws Exception {
		Map<Long, String> versions = new HashMap<>();
		int workers = this.cluster.workerPids().size();
		for (int i = 0; i < 80 && versions.size() < workers; i++) {
			HttpClient client = HttpClient.newHttpClient();
			HttpResponse<String> response = client.send(
					HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.cluster.port() + "/")).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(200);
			Map<String, Object> body = json.readValue(response.body(), MAP);
			versions.put(((Number) body.get("pid")).longValue(), String.valueOf(body.get("version")));
		}
		return versions;
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> restartAndWait() throws Exception {
		HttpResponse<String> response = this.cluster.post("/actuator/cluster/restart");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
		String id = (String) ((Map<String, Object>) json.readValue(response.body(), MAP).get("operation")).get("id");
		return this.cluster.awaitRestartEnd(id);
	}

}
