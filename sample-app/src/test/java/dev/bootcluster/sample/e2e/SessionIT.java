package dev.bootcluster.sample.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.bootcluster.sample.e2e.ClusterProcess.RawResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HttpSession and a Spring Security form login on a 2-worker cluster, each request on a
 * fresh connection (so the kernel spreads them over both workers), as they behave in one
 * JVM: through both workers, a {@code kill -9} of the worker that created the session and
 * a rolling restart. The sample's code is written for one JVM; the starter keeps sessions
 * in the master's store. The tests share one cluster and run in order: each continues the
 * sessions of the ones before.
 */
@ExtendWith(ClusterCleanup.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionIT {

	/** The store's budget: small, so that one large value does not fit beside another. */
	private static final int STORE_BUDGET = 256 * 1024;

	static ClusterProcess cluster;

	static Browser counter;

	static Browser user;

	static int count;

	@BeforeAll
	static void startCluster() throws Exception {
		cluster = ClusterProcess.start("--server.port=0", "--server.address=127.0.0.1", "--management.server.port=0",
				"--cluster.workers=2", "--cluster.store.max-size=" + STORE_BUDGET + "B",
				"--server.servlet.session.timeout=45m");
		cluster.awaitReady(2);
		counter = new Browser(cluster.port());
		user = new Browser(cluster.port());
	}

	@AfterAll
	static void stopCluster() {
		if (cluster != null) {
			cluster.close();
		}
	}

	@Test
	@Order(1)
	void aSessionCounterCountsOneToTwentyAcrossBothWorkers() throws Exception {
		Set<Long> pids = new HashSet<>();
		for (int i = 1; i <= 20; i++) {
			Map<String, Object> answer = counter.getJson("/session/counter");
			assertThat(answer.get("count")).as("request %d answered by pid %s", i, answer.get("pid")).isEqualTo(i);
			pids.add(ClusterProcess.pidOf(answer));
			// Boot's server.servlet.session.timeout (no spring.session.timeout set)
			assertThat(answer.get("maxInactiveSeconds")).isEqualTo(45 * 60);
		}
		count = 20;
		assertThat(pids).as("workers that served the session")
			.containsExactlyInAnyOrderElementsOf(cluster.workerPids());
	}

	@Test
	@Order(2)
	void aFormLoginHoldsOnEveryWorker() throws Exception {
		RawResponse anonymous = user.get("/account");
		assertThat(anonymous.status()).isEqualTo(302);
		assertThat(anonymous.headers().get("location")).endsWith("/login");
		RawResponse login = user.login("demo", "demo-password");
		assertThat(login.status()).as(login.body()).isEqualTo(302);
		assertThat(login.headers().get("location")).doesNotContain("error");
		assertThat(accountServedByBothWorkers()).containsExactlyInAnyOrderElementsOf(cluster.workerPids());
	}

	@Test
	@Order(3)
	void anAttributeThatCannotBeStoredFailsThatRequestNamingItAndItsClass() throws Exception {
		RawResponse response = counter.post("/session/unstorable");
		assertThat(response.status()).isEqualTo(500);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> cluster.countLines("Session attribute 'basket' of class "
					+ "dev.bootcluster.sample.sessions.SessionController$Basket cannot be stored") >= 1);
		// the session itself is intact
		assertCounterContinues(4);
	}

	@Test
	@Order(4)
	void sessionsSurviveAKill9OfTheWorkerThatCreatedThem() throws Exception {
		Browser fresh = new Browser(cluster.port());
		Map<String, Object> first = fresh.getJson("/session/counter");
		assertThat(first.get("count")).isEqualTo(1);
		long creator = ClusterProcess.pidOf(first);
		ClusterProcess.signal(creator, "KILL");
		await().atMost(Duration.ofSeconds(5)).until(() -> ClusterProcess.isGone(creator));
		// the survivor serves the session while the replacement starts
		for (int i = 2; i <= 6; i++) {
			Map<String, Object> answer = fresh.getJson("/session/counter");
			assertThat(answer.get("count")).isEqualTo(i);
			assertThat(ClusterProcess.pidOf(answer)).isNotEqualTo(creator);
		}
		await().atMost(ClusterProcess.STARTUP).until(() -> cluster.countLines(" READY in ") >= 3);
		for (int i = 7; i <= 16; i++) {
			assertThat(fresh.getJson("/session/counter").get("count")).isEqualTo(i);
		}
		assertCounterContinues(10);
		assertThat(accountServedByBothWorkers()).doesNotContain(creator);
	}

	@Test
	@Order(5)
	@SuppressWarnings("unchecked")
	void sessionsAndTheLoginSurviveARollingRestart() throws Exception {
		List<Long> before = cluster.workerPids();
		java.net.http.HttpResponse<String> started = cluster.post("/actuator/cluster/restart");
		assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
		String id = (String) ((Map<String, Object>) ClusterProcess.parse(started.body()).get("operation")).get("id");
		// served while the workers are replaced one by one
		int during = 0;
		while (!"SUCCEEDED".equals(restartState(id)) && during < 500) {
			assertCounterContinues(1);
			RawResponse account = user.get("/account");
			assertThat(account.status()).as(account.body()).isEqualTo(200);
			during++;
		}
		assertThat(cluster.awaitRestartEnd(id)).containsEntry("state", "SUCCEEDED");
		List<Long> after = cluster.workerPids();
		assertThat(after).hasSize(2).doesNotContainAnyElementsOf(before);
		assertCounterContinues(10);
		assertThat(accountServedByBothWorkers()).containsExactlyInAnyOrderElementsOf(after);
	}

	@Test
	@Order(6)
	@SuppressWarnings("unchecked")
	void aFullStoreAndAnOversizedValueGiveTheirErrorsAndLoseNothingElse() throws Exception {
		byte[] large = new byte[150 * 1024];
		RawResponse first = cluster.fresh("PUT", "/store/large-1", new String(large, StandardCharsets.ISO_8859_1),
				Duration.ofSeconds(30));
		assertThat(first.status()).as(first.body()).isEqualTo(200);
		RawResponse full = cluster.fresh("PUT", "/store/large-2", new String(large, StandardCharsets.ISO_8859_1),
				Duration.ofSeconds(30));
		assertThat(full.status()).isEqualTo(507);
		assertThat(full.body()).contains("ClusterStoreFullException")
			.contains("Cannot store key 'sample:large-2'")
			.contains("the budget is " + STORE_BUDGET + " bytes");
		byte[] oversized = new byte[1024 * 1024];
		RawResponse tooLarge = cluster.fresh("PUT", "/store/huge", new String(oversized, StandardCharsets.ISO_8859_1),
				Duration.ofSeconds(30));
		assertThat(tooLarge.status()).isEqualTo(413);
		assertThat(tooLarge.body()).contains("ClusterStoreValueTooLargeException")
			.contains("cluster.ipc.max-message-size");
		// nothing else was lost: the first value, the sessions and the login
		assertThat(cluster.fresh("GET", "/store/large-1", null, Duration.ofSeconds(30)).body())
			.contains("\"length\":" + large.length);
		assertThat(cluster.fresh("GET", "/store/large-2", null, Duration.ofSeconds(30)).status()).isEqualTo(404);
		assertCounterContinues(4);
		assertThat(accountServedByBothWorkers()).containsExactlyInAnyOrderElementsOf(cluster.workerPids());
		Map<String, Object> store = (Map<String, Object>) cluster.status().get("store");
		assertThat(store).containsEntry("maxBytes", STORE_BUDGET);
		assertThat(((Number) store.get("refusals")).intValue()).isEqualTo(1);
		assertThat(((Number) store.get("evictions")).intValue()).isZero();
		assertThat(cluster.workerPids()).hasSize(2);
	}

	@Test
	@Order(7)
	void theMasterExpiresAnIdleSessionAndOneWorkerPublishesTheExpiry() throws Exception {
		Browser idle = new Browser(cluster.port());
		assertThat(idle.getJson("/session/counter?maxInactiveSeconds=2").get("count")).isEqualTo(1);
		assertThat(idle.getJson("/session/counter").get("count")).isEqualTo(2);
		String id = idle.sessionId();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> cluster.countLines("Session " + id + " expired (told worker-") >= 1);
		// gone: the next request starts a new session
		assertThat(idle.getJson("/session/counter").get("count")).isEqualTo(1);
		assertThat(cluster.countLines("Session " + id + " expired")).as("expiry events of the session").isEqualTo(1);
	}

	@SuppressWarnings("unchecked")
	private static String restartState(String id) throws Exception {
		Map<String, Object> restart = (Map<String, Object>) cluster.status().get("restart");
		return (restart != null && id.equals(restart.get("id"))) ? (String) restart.get("state") : null;
	}

	private static void assertCounterContinues(int requests) throws Exception {
		for (int i = 0; i < requests; i++) {
			Map<String, Object> answer = counter.getJson("/session/counter");
			count++;
			assertThat(answer.get("count")).as("answered by pid %s", answer.get("pid")).isEqualTo(count);
		}
	}

	/** GET /account until both workers answered it (as the logged-in user). */
	private static Set<Long> accountServedByBothWorkers() throws Exception {
		Set<Long> pids = new HashSet<>();
		for (int i = 0; i < 40 && pids.size() < 2; i++) {
			Map<String, Object> answer = user.getJson("/account");
			assertThat(answer.get("user")).isEqualTo("demo");
			pids.add(ClusterProcess.pidOf(answer));
		}
		return pids;
	}

}
