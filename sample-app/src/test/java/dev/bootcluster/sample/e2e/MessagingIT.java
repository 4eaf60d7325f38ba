package dev.bootcluster.sample.e2e;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Messaging in a real 2-worker cluster of the sample: the master bean counts users once
 * and broadcasts the count retained, workers broadcast to each other, ask the master, and
 * a worker that replaces a killed one has the retained values before it serves a request.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(ClusterCleanup.class)
class MessagingIT {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	static ClusterProcess cluster;

	/** The note broadcast (not retained) before a worker was replaced. */
	static String earlierNote;

	private static final String MESSAGES_LOGGER = "dev.bootcluster.sample.messages";

	@BeforeAll
	static void startCluster() throws Exception {
		cluster = ClusterProcess.start("--server.port=0", "--server.address=127.0.0.1", "--cluster.workers=2",
				"--cluster.listener=reuseport", "--sample.users.count-interval=1s",
				"--cluster.ipc.max-message-size=64KB",
				"--management.endpoints.web.exposure.include=health,cluster,loggers,metrics,threaddump,heapdump",
				"--management.endpoint.heapdump.access=unrestricted");
		cluster.awaitReady(2);
	}

	@AfterAll
	static void stopCluster() {
		if (cluster != null) {
			cluster.close();
		}
	}

	@Test
	@Order(1)
	void theMasterBeanRunsOnceInTheMasterAndEveryWorkerServesItsCount() throws Exception {
		List<String> counterLines = cluster.output()
			.stream()
			.filter((line) -> line.contains("UsersCounter runs in pid"))
			.toList();
		assertThat(counterLines).hasSize(1);
		assertThat(counterLines.get(0)).doesNotStartWith("[worker-").endsWith("pid " + cluster.masterPid());

		Map<Long, Map<String, Object>> counts = cluster.fromEveryWorker("/users/count");
		assertThat(counts).hasSize(2);
		assertThat(counts.values()).allSatisfy((count) -> {
			// seeded once, in the master's database; workers have no DataSource at all
			assertThat(count).containsEntry("count", 3).containsEntry("database", false);
			assertThat(((Number) count.get("computedBy")).longValue()).isEqualTo(cluster.masterPid());
		});
		// both workers see the same master counter advancing (one counter, not one per
		// worker)
		long run = ((Number) counts.values().iterator().next().get("run")).longValue();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> cluster.fromEveryWorker("/users/count")
				.values()
				.stream()
				.allMatch((count) -> ((Number) count.get("run")).longValue() > run));
	}

	@Test
	@Order(2)
	void aBroadcastFromOneWorkerReachesEveryWorker() throws Exception {
		String text = "hello-" + UUID.randomUUID();
		earlierNote = text;
		HttpResponse<String> response = cluster.post("/messages?text=" + text);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Map<String, Object> result = json.readValue(response.body(), MAP);
		assertThat(result).containsEntry("acknowledged", 2).containsEntry("targets", 2);
		String sender = (String) result.get("worker");

		// acknowledged means received; the listeners run right after
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(cluster.fromEveryWorker("/messages").values())
				.allSatisfy((messages) -> assertThat(notes(messages)).contains(Map.of("text", text, "from", sender))));
	}

	@Test
	@Order(2)
	void aListenerThatBroadcastsReachesEveryWorkerItsOwnIncluded() throws Exception {
		String id = UUID.randomUUID().toString();
		HttpResponse<String> response = cluster.post("/messages?text=ping:" + id);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		// each worker's listener answered with a broadcast of its own; all of them reach
		// every worker
		await().atMost(Duration.ofSeconds(20))
			.until(() -> cluster.fromEveryWorker("/messages")
				.values()
				.stream()
				.allMatch((messages) -> notes(messages).stream()
					.filter((note) -> ((String) note.get("text")).startsWith("pong:" + id))
					.count() == 2));
		// and each acknowledged by both workers at once: neither listener waited for the
		// other's (acknowledging after the listeners would make each wait out the
		// timeout: 1 of 2)
		assertThat(cluster.fromEveryWorker("/messages").values())
			.allSatisfy((messages) -> assertThat((List<Map<String, Object>>) messages.get("echoes"))
				.containsExactly(Map.of("acknowledged", 2, "targets", 2)));
	}

	@Test
	@Order(3)
	void aWorkerAsksTheMasterAndEveryWorkerGetsTheNewCount() throws Exception {
		HttpResponse<String> response = cluster.post("/users?name=ada-" + UUID.randomUUID());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(json.readValue(response.body(), MAP)).containsEntry("count", 4);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> cluster.fromEveryWorker("/users/count")
				.values()
				.stream()
				.allMatch((count) -> Integer.valueOf(4).equals(count.get("count"))));
	}

	@Test
	@Order(4)
	void theActuatorEndpointBroadcastsAndRefusesBadInputWithoutHarm() throws Exception {
		HttpResponse<String> ok = cluster.postJson("/actuator/cluster/broadcast",
				"{\"topic\": \"greeting\", \"payload\": \"{\\\"hello\\\": \\\"world\\\"}\", \"retained\": \"true\"}");
		assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
		assertThat(json.readValue(ok.body(), MAP)).containsEntry("acknowledged", 2)
			.containsEntry("targets", 2)
			.containsEntry("retained", true);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(cluster.fromEveryWorker("/messages").values())
				.allSatisfy((messages) -> assertThat(untyped(messages))
					.anySatisfy((message) -> assertThat(message).containsEntry("topic", "greeting")
						.containsEntry("json", "{\"hello\":\"world\"}")
						.containsEntry("retained", true))));

		HttpResponse<String> malformedBody = cluster.postJson("/actuator/cluster/broadcast", "{\"topic\": ");
		assertThat(malformedBody.statusCode()).isEqualTo(400);
		HttpResponse<String> payloadNotJson = cluster.postJson("/actuator/cluster/broadcast",
				"{\"topic\": \"t\", \"payload\": \"{not json\"}");
		assertThat(payloadNotJson.statusCode()).isEqualTo(400);
		assertThat(payloadNotJson.body()).contains("not valid JSON");
		HttpResponse<String> noTopic = cluster.postJson("/actuator/cluster/broadcast", "{\"payload\": \"1\"}");
		assertThat(noTopic.statusCode()).isEqualTo(400);
		assertThat(noTopic.body()).contains("'topic' is required");

		String big = "\\\"" + "x".repeat(70_000) + "\\\"";
		HttpResponse<String> tooLarge = cluster.postJson("/actuator/cluster/broadcast",
				"{\"topic\": \"big\", \"payload\": \"" + big + "\"}");
		assertThat(tooLarge.statusCode()).as(tooLarge.body()).isEqualTo(413);
		assertThat(tooLarge.body()).contains("cluster.ipc.max-message-size").contains("nothing was sent");

		// an unknown type is delivered as the generic event and logged once per worker
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> unknown = cluster.postJson("/actuator/cluster/broadcast",
					"{\"topic\": \"mystery\", \"type\": \"com.example.NotHere\", \"payload\": \"{\\\"n\\\": " + i
							+ "}\"}");
			assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(200);
			assertThat(json.readValue(unknown.body(), MAP)).containsEntry("acknowledged", 2);
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(cluster.fromEveryWorker("/messages").values())
				.allSatisfy((messages) -> assertThat(untyped(messages))
					.filteredOn((message) -> "mystery".equals(message.get("topic")))
					.hasSize(2)));
		String warning = "com.example.NotHere (topic 'mystery') have no class here";
		await().atMost(Duration.ofSeconds(5)).until(() -> cluster.countLines(warning) >= 2);
		assertThat(cluster.countLines(warning)).isEqualTo(2);

		// nothing was lost: both workers still READY, nothing restarted, the big payload
		// reached nobody
		Map<String, Object> status = json.readValue(cluster.get("/actuator/cluster").body(), MAP);
		assertThat(status).containsEntry("ready", 2).containsEntry("restarts", 0);
		assertThat(cluster.fromEveryWorker("/messages").values())
			.allSatisfy((messages) -> assertThat(untyped(messages)).noneMatch((m) -> "big".equals(m.get("topic"))));
	}

	@Test
	@Order(4)
	void aLoggerLevelSetThroughOneWorkerAppliesToEveryWorker() throws Exception {
		assertThat(cluster.fromEveryWorker("/messages").values()).as("before")
			.allSatisfy((answer) -> assertThat(answer).containsEntry("debugEnabled", false));
		ClusterProcess.RawResponse set = cluster.fresh("POST", "/actuator/loggers/" + MESSAGES_LOGGER,
				"{\"configuredLevel\":\"DEBUG\"}", Duration.ofSeconds(30));
		assertThat(set.status()).as(set.body()).isEqualTo(204);
		// set on the worker this connection landed on, applied by every worker
		Map<Long, Map<String, Object>> answers = cluster.fromEveryWorker("/messages");
		assertThat(answers.keySet()).containsExactlyInAnyOrderElementsOf(cluster.workerPids());
		assertThat(answers.values()).allSatisfy((answer) -> assertThat(answer).containsEntry("debugEnabled", true));
	}

	@Test
	@Order(5)
	void aReplacementWorkerHasTheRetainedValuesBeforeItServesOrReportsReady() throws Exception {
		List<Long> before = cluster.workerPids();
		long victim = before.get(0);
		ClusterProcess.signal(victim, "KILL");
		await().atMost(Duration.ofSeconds(10)).until(() -> ClusterProcess.isGone(victim));

		// while one worker is down, a broadcast reaches the ready one and says so
		HttpResponse<String> whileDown = cluster.post("/messages?text=while-one-is-down");
		assertThat(whileDown.statusCode()).as(whileDown.body()).isEqualTo(200);
		assertThat(json.readValue(whileDown.body(), MAP)).containsEntry("acknowledged", 1).containsEntry("targets", 1);

		// poll all the time: every answer the replacement ever gives must already have
		// the count
		List<ClusterProcess.FreshAnswer> fromReplacement = new ArrayList<>();
		await().atMost(ClusterProcess.STARTUP).pollInterval(Duration.ofMillis(20)).until(() -> {
			ClusterProcess.FreshAnswer answer = cluster.getFresh("/users/count");
			Object pid = answer.body().get("pid");
			if (answer.status() != 200 || (pid instanceof Number number && !before.contains(number.longValue()))) {
				fromReplacement.add(answer);
			}
			return fromReplacement.size() >= 5;
		});
		assertThat(fromReplacement).allSatisfy((answer) -> {
			assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
			assertThat(answer.body()).containsEntry("count", 4);
		});
		long replacement = ((Number) fromReplacement.get(0).body().get("pid")).longValue();

		// in the replacement's own output: the retained values arrived before its web
		// server started
		List<String> own = cluster.output()
			.stream()
			.filter((line) -> line.matches("^\\[worker-\\d+ " + replacement + "\\].*"))
			.toList();
		// the greeting, the users count and the logger level
		int retainedAt = indexOf(own, "Received 3 retained values from the master");
		int webServerAt = indexOf(own, "Tomcat started on port");
		assertThat(retainedAt).as(String.join("\n", own)).isNotNegative().isLessThan(webServerAt);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> cluster.countLines("(pid " + replacement + ") READY in ") == 1);

		Map<String, Object> messages = cluster.fromEveryWorker("/messages").get(replacement);
		assertThat(untyped(messages)).anySatisfy(
				(message) -> assertThat(message).containsEntry("topic", "greeting").containsEntry("retained", true));
		// a note that was not retained is not replayed
		assertThat(notes(messages)).extracting((note) -> note.get("text")).doesNotContain(earlierNote);
		// the logger level set before it started
		assertThat(messages).containsEntry("debugEnabled", true);
	}

	private static int indexOf(List<String> lines, String fragment) {
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).contains(fragment)) {
				return i;
			}
		}
		return -1;
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> notes(Map<String, Object> messages) {
		return (List<Map<String, Object>>) messages.get("notes");
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> untyped(Map<String, Object> messages) {
		return (List<Map<String, Object>>) messages.get("untyped");
	}

	/**
	 * One worker's endpoints through whatever worker a connection lands on, relayed
	 * through the master: its own metrics, a thread dump, a heap dump as a download (far
	 * over the 64KB IPC limit); an endpoint the workers do not expose stays closed.
	 */
	@Test
	@Order(6)
	@SuppressWarnings("unchecked")
	void oneWorkersEndpointsAnswerThroughAnyWorker() throws Exception {
		Duration timeout = Duration.ofSeconds(60);
		for (int i = 0; i < 6; i++) {
			int id = 1 + i % 2;
			ClusterProcess.RawResponse metric = cluster.fresh("GET",
					"/actuator/cluster/workers/" + id + "/metrics/jvm.threads.live", null, timeout);
			assertThat(metric.status()).as(metric.body()).isEqualTo(200);
			Map<String, Object> answer = ClusterProcess.parse(metric.body());
			assertThat((List<Map<String, Object>>) answer.get("availableTags")).as("answered by worker-" + id)
				.contains(Map.of("tag", "worker", "values", List.of(Integer.toString(id))));
		}
		ClusterProcess.RawResponse dump = cluster.fresh("GET", "/actuator/cluster/workers/2/threaddump", null, timeout);
		assertThat(dump.status()).isEqualTo(200);
		assertThat((List<Object>) ClusterProcess.parse(dump.body()).get("threads")).isNotEmpty();
		ClusterProcess.RawResponse heap = cluster.fresh("GET", "/actuator/cluster/workers/1/heapdump", null, timeout);
		assertThat(heap.status()).isEqualTo(200);
		assertThat(heap.headers().get("content-type")).isEqualTo("application/octet-stream");
		assertThat(heap.body()).startsWith("JAVA PROFILE");
		assertThat(heap.body().length()).as("over cluster.ipc.max-message-size").isGreaterThan(64 * 1024);
		ClusterProcess.RawResponse closed = cluster.fresh("GET", "/actuator/cluster/workers/1/env", null, timeout);
		assertThat(closed.status()).isEqualTo(404);
		assertThat(closed.body()).contains("worker-1 exposes no endpoint 'env' over HTTP");
		ClusterProcess.RawResponse absent = cluster.fresh("GET", "/actuator/cluster/workers/7/threaddump", null,
				timeout);
		assertThat(absent.status()).isEqualTo(404);
		assertThat(absent.body()).contains("worker-7 is not READY");
		// the relayed bodies were files of the cluster's private directory: none is left
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(relayFiles()).isEmpty());
	}

	/**
	 * Files in the master's socket directory ({@code bootcluster-<pid>-*} in the tmpdir).
	 */
	private static List<Path> relayFiles() throws IOException {
		String prefix = "bootcluster-" + cluster.masterPid() + "-";
		List<Path> found;
		try (Stream<Path> directories = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
			found = directories.filter((dir) -> dir.getFileName().toString().startsWith(prefix)).toList();
		}
		assertThat(found).as("the master's socket directory").hasSize(1);
		try (Stream<Path> files = Files.list(found.get(0))) {
			return files.filter((file) -> file.getFileName().toString().startsWith("relay-")).toList();
		}
	}

}
