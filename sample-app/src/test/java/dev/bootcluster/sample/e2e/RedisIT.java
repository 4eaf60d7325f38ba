package dev.bootcluster.sample.e2e;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

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
 * Beyond one host: test-apps/redis-app keeps its sessions (and login), a cache and a
 * ShedLock job's lock in Redis, as an application on several hosts does. Two clusters A
 * and B (two masters, two ports) on one Redis server of the test's own stand in for two
 * hosts: a session and a login made through A hold through B, an evict through A is seen
 * through B at once, the job runs about once per tick across both clusters, and all of it
 * survives a rolling restart of A, then of B. One worker per cluster keeps the CI time
 * down: what is shared lives in Redis, not between a cluster's workers (that is the
 * 2-worker SessionIT, CacheIT and SchedulingIT), and each rolling restart still replaces
 * a worker that served the sessions. Each request goes over a fresh connection. The tests
 * share the clusters and run in order, each continuing the sessions of the ones before.
 */
@ExtendWith(RedisServer.Cleanup.class)
@ExtendWith(ClusterCleanup.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisIT {

	/** Spring Session's keys in the app's namespace ({@code application.yml}). */
	private static final String SESSIONS = "redis-app:session:sessions:";

	/** The key Boot's Redis cache gives the greeting of {@code ada}. */
	private static final String CACHED_ADA = "greetings::ada";

	private static final String JOB_RUNS = "redis-app:job:runs";

	private static final String JOB_PIDS = "redis-app:job:pids";

	private static final String JOB_TICKS = "redis-app:job:ticks";

	/** Workers per cluster. */
	private static final int WORKERS = 1;

	static RedisServer redis;

	static ClusterProcess a;

	static ClusterProcess b;

	/** A browser counting in its session, pointed at A or B request by request. */
	static Browser counter;

	/** Another browser, which logs in. */
	static Browser user;

	static int count;

	/**
	 * The cached greeting's {@code computedBy} and {@code computedAt} after the evict.
	 */
	static Map<String, Object> cached;

	@BeforeAll
	static void startRedisAndTwoClusters() throws Exception {
		redis = RedisServer.startAndAwait();
		long start = System.nanoTime();
		// both start at once, as two hosts would
		a = start();
		b = start();
		a.awaitReady(WORKERS);
		b.awaitReady(WORKERS);
		System.out.printf(
				"RedisIT: redis-server pid %d port %d; cluster A (master %d, port %d) workers %s, "
						+ "cluster B (master %d, port %d) workers %s, both ready in %d ms%n",
				redis.pid(), redis.port(), a.masterPid(), a.port(), a.workerPids(), b.masterPid(), b.port(),
				b.workerPids(), (System.nanoTime() - start) / 1_000_000);
		counter = new Browser(a.port());
		user = new Browser(a.port());
	}

	private static ClusterProcess start() throws Exception {
		return ClusterProcess.start(App.REDIS, "--server.port=0", "--server.address=127.0.0.1",
				"--management.server.port=0", "--cluster.workers=" + WORKERS, "--spring.data.redis.host=127.0.0.1",
				"--spring.data.redis.port=" + redis.port());
	}

	@AfterAll
	static void stopClusters() {
		// the clusters first, then the server they use (RedisServer.Cleanup runs after)
		for (ClusterProcess cluster : new ClusterProcess[] { a, b }) {
			if (cluster != null) {
				cluster.close();
			}
		}
	}

	@Test
	@Order(1)
	void aSessionCounterContinuesAcrossBothClustersAndLivesInRedis() throws Exception {
		Set<Long> pidsA = countThroughEveryWorker(a);
		Set<Long> pidsB = countThroughEveryWorker(b);
		for (int i = 0; i < 10; i++) {
			assertCounterContinues((i % 2 == 0) ? a : b);
		}
		System.out.printf("RedisIT: one session counted to %d through A's workers %s and B's %s%n", count, pidsA,
				pidsB);
		Map<String, Object> answer = counter.onPort(b.port()).getJson("/session/counter");
		count++;
		assertThat(answer.get("count")).isEqualTo(count);
		assertThat(redis.exists(SESSIONS + answer.get("session"))).as("the session is a Redis key").isTrue();
	}

	@Test
	@Order(2)
	void aLoginThroughClusterAHoldsOnEveryWorkerOfClusterB() throws Exception {
		RawResponse anonymous = user.onPort(b.port()).get("/account");
		assertThat(anonymous.status()).isEqualTo(302);
		assertThat(anonymous.headers().get("location")).endsWith("/login");
		RawResponse login = user.onPort(a.port()).login("demo", "demo-password");
		assertThat(login.status()).as(login.body()).isEqualTo(302);
		assertThat(login.headers().get("location")).doesNotContain("error");
		assertThat(accountServedByEveryWorker(b)).containsExactlyInAnyOrderElementsOf(b.workerPids());
		assertThat(accountServedByEveryWorker(a)).containsExactlyInAnyOrderElementsOf(a.workerPids());
		// logging in changed the session's id (session fixation): the new one is in Redis
		Map<String, Object> account = user.onPort(b.port()).getJson("/account");
		assertThat(redis.exists(SESSIONS + account.get("session"))).isTrue();
	}

	@Test
	@Order(3)
	void anEvictThroughClusterAIsSeenThroughClusterBAtOnce() throws Exception {
		Map<String, Object> updated = parse(a.fresh("PUT", "/cache/ada?text=v1", null, Duration.ofSeconds(30)));
		assertThat(updated).containsEntry("text", "v1");
		assertThat(redis.exists(CACHED_ADA)).as("evicted").isFalse();

		// a miss through A fills the one cache ...
		Map<String, Object> miss = counter.onPort(a.port()).getJson("/cache/ada");
		assertThat(miss).containsEntry("text", "v1");
		assertThat(miss.get("computedBy")).isEqualTo(miss.get("pid"));
		assertThat(((Number) miss.get("tookMillis")).longValue()).as("a miss takes the slow call")
			.isGreaterThanOrEqualTo(500);
		assertThat(redis.exists(CACHED_ADA)).isTrue();
		// ... which every worker of B reads: the same entry, not a lookup of their own
		Map<Long, Map<String, Object>> hitsB = b.fromEveryWorker("/cache/ada");
		assertThat(hitsB.values()).allSatisfy((hit) -> {
			assertThat(hit).containsEntry("text", "v1");
			assertThat(hit.get("computedBy")).isEqualTo(miss.get("computedBy"));
			assertThat(hit.get("computedAt")).isEqualTo(miss.get("computedAt"));
		});

		// an update through A evicts it; the very next request through B sees the new
		// text
		assertThat(parse(a.fresh("PUT", "/cache/ada?text=v2", null, Duration.ofSeconds(30)))).containsEntry("text",
				"v2");
		assertThat(redis.exists(CACHED_ADA)).isFalse();
		Map<String, Object> afterEvict = counter.onPort(b.port()).getJson("/cache/ada");
		assertThat(afterEvict).containsEntry("text", "v2");
		assertThat(b.workerPids()).contains(ClusterProcess.pidOf(afterEvict));
		assertThat(afterEvict.get("computedBy")).isEqualTo(afterEvict.get("pid"));
		assertThat(b.fromEveryWorker("/cache/ada").values())
			.allSatisfy((hit) -> assertThat(hit).containsEntry("text", "v2")
				.containsEntry("computedAt", afterEvict.get("computedAt")));
		assertThat(a.fromEveryWorker("/cache/ada").values())
			.allSatisfy((hit) -> assertThat(hit).containsEntry("text", "v2")
				.containsEntry("computedAt", afterEvict.get("computedAt")));
		cached = afterEvict;
		System.out.printf(
				"RedisIT: miss through A by %s in %s ms, hits through B %s; "
						+ "after the evict through A, B's first answer: %s by %s in %s ms%n",
				miss.get("computedBy"), miss.get("tookMillis"), tookMillis(hitsB), afterEvict.get("text"),
				afterEvict.get("computedBy"), afterEvict.get("tookMillis"));
	}

	@Test
	@Order(4)
	void theScheduledJobRunsAboutOncePerTickAcrossBothClusters() throws Exception {
		assertJobRunsAboutOncePerTick(8);
	}

	@Test
	@Order(5)
	void sessionsTheLoginAndTheCacheSurviveARollingRestartOfBothClusters() throws Exception {
		rollingRestart(a, b);
		rollingRestart(b, a);
		Set<Long> pidsA = countThroughEveryWorker(a);
		Set<Long> pidsB = countThroughEveryWorker(b);
		assertThat(accountServedByEveryWorker(a)).containsExactlyInAnyOrderElementsOf(pidsA);
		assertThat(accountServedByEveryWorker(b)).containsExactlyInAnyOrderElementsOf(pidsB);
		// the cached entry outlived every worker: computed by one that is gone now
		Map<Long, Map<String, Object>> hits = new LinkedHashMap<>(a.fromEveryWorker("/cache/ada"));
		hits.putAll(b.fromEveryWorker("/cache/ada"));
		assertThat(hits.values()).allSatisfy((hit) -> assertThat(hit).containsEntry("text", "v2")
			.containsEntry("computedBy", cached.get("computedBy"))
			.containsEntry("computedAt", cached.get("computedAt")));
		Set<Long> current = new HashSet<>(pidsA);
		current.addAll(pidsB);
		assertThat(current).doesNotContain(((Number) cached.get("computedBy")).longValue());
		System.out.printf("RedisIT: after both restarts the session counts on at %d through A %s and B %s%n", count,
				pidsA, pidsB);
		assertJobRunsAboutOncePerTick(6);
	}

	/** A rolling restart of {@code cluster} while the session and the login are used. */
	@SuppressWarnings("unchecked")
	private static void rollingRestart(ClusterProcess cluster, ClusterProcess other) throws Exception {
		List<Long> before = cluster.workerPids();
		long start = System.nanoTime();
		HttpResponse<String> started = cluster.post("/actuator/cluster/restart");
		assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
		String id = (String) ((Map<String, Object>) ClusterProcess.parse(started.body()).get("operation")).get("id");
		int during = 0;
		while (!"SUCCEEDED".equals(restartState(cluster, id)) && during < 500) {
			try {
				assertCounterContinues(cluster);
				assertCounterContinues(other);
				RawResponse account = user.onPort(cluster.port()).get("/account");
				assertThat(account.status()).as(account.body()).isEqualTo(200);
			}
			catch (IOException ex) {
				throw new AssertionError("Round " + during + " of requests during the rolling restart of the cluster "
						+ "on port " + cluster.port() + " failed at " + Instant.now() + " (count " + count + ")", ex);
			}
			during++;
		}
		assertThat(cluster.awaitRestartEnd(id)).containsEntry("state", "SUCCEEDED");
		List<Long> after = cluster.workerPids();
		assertThat(after).hasSize(WORKERS).doesNotContainAnyElementsOf(before);
		System.out.printf(
				"RedisIT: rolling restart of the cluster on port %d in %d ms, workers %s -> %s, "
						+ "%d rounds of 3 requests meanwhile, other cluster %s%n",
				cluster.port(), (System.nanoTime() - start) / 1_000_000, before, after, during, other.workerPids());
	}

	/**
	 * Watches the job's total in Redis until it ran {@code runs} more times, then checks
	 * that it took at least about as many seconds: once per tick, not once per worker.
	 */
	private static void assertJobRunsAboutOncePerTick(int runs) throws Exception {
		long first = redis.getLong(JOB_RUNS);
		long start = System.nanoTime();
		AtomicLong last = new AtomicLong(first);
		await().atMost(Duration.ofSeconds(runs * 4L)).pollInterval(Duration.ofMillis(100)).until(() -> {
			last.set(redis.getLong(JOB_RUNS));
			return last.get() - first >= runs;
		});
		double seconds = (System.nanoTime() - start) / 1e9;
		long ran = last.get() - first;
		// the window [start, end] holds at most ceil(seconds) + 1 ticks of the
		// every-second cron; a little more for a rare trigger late past the lock's
		// lockAtLeastFor. Four workers without a shared lock would run 4 per tick.
		long ticks = (long) Math.ceil(seconds) + 1;
		Map<String, String> perTick = redis.hash(JOB_TICKS);
		long doubled = perTick.values().stream().filter((value) -> Long.parseLong(value) > 1).count();
		Map<String, String> perPid = redis.hash(JOB_PIDS);
		System.out.printf(
				"RedisIT: the job ran %d times in %.1f s (at most %d ticks); %d of %d seconds so far "
						+ "with more than one run; runs by pid %s%n",
				ran, seconds, ticks, doubled, perTick.size(), perPid);
		assertThat(ran).as("runs in %.1f s", seconds).isLessThanOrEqualTo(ticks + ticks / 5);
		Set<Long> workers = new HashSet<>(a.allSeenPids());
		workers.addAll(b.allSeenPids());
		assertThat(perPid.keySet()).as("every run was a worker's")
			.allSatisfy((pid) -> assertThat(workers).contains(Long.parseLong(pid)));
	}

	/**
	 * Counts through {@code cluster} until every one of its workers answered (at least 10
	 * requests); returns their PIDs.
	 */
	private static Set<Long> countThroughEveryWorker(ClusterProcess cluster) throws Exception {
		List<Long> workers = cluster.workerPids();
		Set<Long> pids = new HashSet<>();
		for (int i = 0; i < 60 && (i < 10 || !pids.containsAll(workers)); i++) {
			pids.add(assertCounterContinues(cluster));
		}
		assertThat(pids).as("workers that served the session").containsExactlyInAnyOrderElementsOf(workers);
		return pids;
	}

	/** The next count, through {@code cluster}; returns the PID that answered. */
	private static long assertCounterContinues(ClusterProcess cluster) throws IOException {
		Map<String, Object> answer = counter.onPort(cluster.port()).getJson("/session/counter");
		count++;
		assertThat(answer.get("count")).as("answered by pid %s", answer.get("pid")).isEqualTo(count);
		return ClusterProcess.pidOf(answer);
	}

	/** GET /account through {@code cluster} until every worker answered it as demo. */
	private static Set<Long> accountServedByEveryWorker(ClusterProcess cluster) throws Exception {
		List<Long> workers = cluster.workerPids();
		Set<Long> pids = new HashSet<>();
		for (int i = 0; i < 60 && !pids.containsAll(workers); i++) {
			Map<String, Object> answer = user.onPort(cluster.port()).getJson("/account");
			assertThat(answer.get("user")).isEqualTo("demo");
			pids.add(ClusterProcess.pidOf(answer));
		}
		return pids;
	}

	@SuppressWarnings("unchecked")
	private static String restartState(ClusterProcess cluster, String id) throws Exception {
		Map<String, Object> restart = (Map<String, Object>) cluster.status().get("restart");
		return (restart != null && id.equals(restart.get("id"))) ? (String) restart.get("state") : null;
	}

	private static Map<String, Object> parse(RawResponse response) {
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return ClusterProcess.parse(response.body());
	}

	private static Map<Long, Object> tookMillis(Map<Long, Map<String, Object>> answers) {
		Map<Long, Object> took = new LinkedHashMap<>();
		answers.forEach((pid, answer) -> took.put(pid, answer.get("tookMillis") + " ms"));
		return took;
	}

}
