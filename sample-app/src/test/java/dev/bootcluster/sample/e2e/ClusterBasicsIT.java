package dev.bootcluster.sample.e2e;

import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Read-only checks that share one 2-worker cluster (reuseport mode; the default mode is
 * checked per server by {@link ServersIT}). {@link ClusterCleanup} kills it even when it
 * fails to start.
 */
@ExtendWith(ClusterCleanup.class)
class ClusterBasicsIT {

	static final JsonMapper json = JsonMapper.builder().build();

	static ClusterProcess cluster;

	@BeforeAll
	static void startCluster() throws Exception {
		cluster = ClusterProcess.start("--server.port=0", "--server.address=127.0.0.1", "--management.server.port=0",
				"--cluster.listener=reuseport", "--cluster.workers=2");
		cluster.awaitReady(2);
	}

	@AfterAll
	static void stopCluster() {
		if (cluster != null) {
			cluster.close();
		}
	}

	static Map<String, Object> getJson(String path) throws Exception {
		HttpResponse<String> response = cluster.get(path);
		assertThat(response.statusCode()).as(path + " -> " + response.body()).isEqualTo(200);
		return json.readValue(response.body(), new TypeReference<Map<String, Object>>() {
		});
	}

	/**
	 * Fresh connection per request (raw socket, Connection: close), so the kernel spreads
	 * them.
	 */
	@SuppressWarnings("unchecked")
	static Set<Long> pidsServing(int port, String path) throws Exception {
		Set<Long> servedBy = new HashSet<>();
		for (int i = 0; i < 60 && servedBy.size() < 2; i++) {
			try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
				socket.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n").getBytes());
				// HTTP/1.0: a plain body, never chunked
				String response = new String(socket.getInputStream().readAllBytes());
				assertThat(response).startsWith("HTTP/1.1 200");
				String body = response.substring(response.indexOf("\r\n\r\n") + 4);
				Map<String, Object> fields = json.readValue(body, new TypeReference<Map<String, Object>>() {
				});
				Object answeredBy = fields.get("answeredBy");
				Map<String, Object> source = (answeredBy != null) ? (Map<String, Object>) answeredBy : fields;
				servedBy.add(((Number) source.get("pid")).longValue());
			}
		}
		return servedBy;
	}

	@Test
	void twoDistinctWorkerPidsServeTheSharedPortAndTheMasterServesNone() throws Exception {
		List<Long> workers = cluster.workerPids();
		assertThat(workers).hasSize(2);
		assertThat(pidsServing(cluster.port(), "/")).containsExactlyInAnyOrderElementsOf(workers)
			.doesNotContain(cluster.masterPid());
	}

	/**
	 * The terminal view ({@code bin/cluster-top}, curl and jq) prints the same status: a
	 * row per worker slot with its PID and state.
	 */
	@Test
	void theTerminalViewShowsARowPerWorker() throws Exception {
		Path script = Path.of(System.getProperty("cluster-top.script", "../bin/cluster-top"));
		assertThat(script).as("bin/cluster-top").isExecutable();
		ProcessBuilder builder = new ProcessBuilder(script.toString(), "--once",
				"http://127.0.0.1:" + cluster.managementPort() + "/actuator/cluster")
			.redirectErrorStream(true);
		Process top = builder.start();
		String output;
		try {
			assertThat(top.waitFor(30, TimeUnit.SECONDS)).as("cluster-top --once ended").isTrue();
			output = new String(top.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}
		finally {
			top.destroyForcibly();
		}
		assertThat(top.exitValue()).as(output).isZero();
		List<String> lines = output.lines().toList();
		assertThat(lines.get(0)).contains("master pid " + cluster.masterPid()).contains("ready 2/2");
		assertThat(lines.get(1)).startsWith("SLOT").contains("PID", "STATE", "LAST EXIT");
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> workers = (List<Map<String, Object>>) cluster.getJson("/actuator/cluster")
			.get("workers");
		assertThat(lines.subList(2, lines.size())).as(output).hasSize(2);
		for (Map<String, Object> worker : workers) {
			assertThat(lines.subList(2, lines.size())).as(output)
				.anySatisfy((line) -> assertThat(line)
					.matches(worker.get("id") + "\\s+" + worker.get("pid") + "\\s+READY\\s.*"));
		}
	}

	@Test
	void everyWorkerAlsoSharesTheSeparateManagementPort() throws Exception {
		assertThat(cluster.managementPort()).isNotEqualTo(cluster.port());
		assertThat(pidsServing(cluster.managementPort(), "/actuator/cluster"))
			.containsExactlyInAnyOrderElementsOf(cluster.workerPids());
		// actuator lives on the management port only
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", cluster.port())) {
			socket.getOutputStream()
				.write("GET /actuator/cluster HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes());
			assertThat(new String(socket.getInputStream().readAllBytes())).startsWith("HTTP/1.1 404");
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void clusterEndpointShowsTheMastersViewOfEveryWorker() throws Exception {
		Map<String, Object> status = getJson("/actuator/cluster");
		assertThat(status).containsEntry("role", "MASTER")
			.containsEntry("desired", 2)
			.containsEntry("ready", 2)
			.containsEntry("port", cluster.port());
		assertThat(((Number) status.get("masterPid")).longValue()).isEqualTo(cluster.masterPid());
		List<Map<String, Object>> workers = (List<Map<String, Object>>) status.get("workers");
		assertThat(workers).extracting((w) -> w.get("id")).containsExactly(1, 2);
		assertThat(workers).allSatisfy((worker) -> {
			assertThat(worker).containsEntry("state", "READY")
				.containsEntry("startedFor", "START")
				.containsEntry("restarts", 0)
				.containsEntry("replacements", 0)
				.containsEntry("lastExit", null);
			assertThat(worker.get("startedAt")).isNotNull();
			assertThat(((Number) worker.get("uptimeMillis")).longValue()).isPositive();
			assertThat(((Number) worker.get("readyMillis")).longValue()).isPositive();
		});
		assertThat(workers).extracting((w) -> ((Number) w.get("pid")).longValue())
			.containsExactlyInAnyOrderElementsOf(cluster.workerPids());
		Map<String, Object> answeredBy = (Map<String, Object>) status.get("answeredBy");
		assertThat(answeredBy).containsEntry("role", "WORKER");
		assertThat(cluster.workerPids()).contains(((Number) answeredBy.get("pid")).longValue());
	}

	@Test
	@SuppressWarnings("unchecked")
	void healthHasAClusterComponentWithEveryWorkerState() throws Exception {
		Map<String, Object> health = getJson("/actuator/health");
		Map<String, Object> components = (Map<String, Object>) health.get("components");
		Map<String, Object> clusterHealth = (Map<String, Object>) components.get("cluster");
		assertThat(clusterHealth).containsEntry("status", "UP");
		assertThat((Map<String, Object>) clusterHealth.get("details")).containsEntry("ready", 2)
			.containsEntry("worker-1", "READY")
			.containsEntry("worker-2", "READY");
	}

	@Test
	void everyWorkerLineIsRelayedWithItsWorkerIdAndPid() {
		List<Long> workers = cluster.workerPids();
		List<String> output = cluster.output();
		for (int id = 1; id <= 2; id++) {
			String prefix = "[worker-" + id + " ";
			assertThat(output)
				.anySatisfy((line) -> assertThat(line).startsWith(prefix).contains("Started SampleApplication"));
		}
		assertThat(output).filteredOn((line) -> line.startsWith("[worker-"))
			.allSatisfy((line) -> assertThat(workers)
				.anySatisfy((pid) -> assertThat(line).matches("\\[worker-\\d " + pid + "\\] .*")));
	}

}
