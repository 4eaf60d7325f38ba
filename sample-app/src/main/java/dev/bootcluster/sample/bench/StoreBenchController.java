package dev.bootcluster.sample.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.bootcluster.ClusterStore;

/**
 * Used by {@code bench/shared-state} (only with {@code sample.bench.enabled=true}): from
 * this worker, {@code ops} rounds of a put then a get of a {@code size}-byte value, over
 * {@code threads} threads, against the master's store ({@code backend=cluster}) or a
 * Redis server on 127.0.0.1 ({@code backend=redis}, Lettuce, one connection shared by the
 * threads as the worker shares its one link to the master). Answers the latency of each
 * operation and of each put with its get (p50, p99, max) and the operations per second,
 * measured after {@code warmup} uncounted rounds of as many operations.
 */
@RestController
@ConditionalOnProperty(name = "sample.bench.enabled", havingValue = "true")
class StoreBenchController {

	private final ClusterStore store;

	private final ObjectProvider<SessionRepository<? extends Session>> sessions;

	StoreBenchController(ClusterStore store, ObjectProvider<SessionRepository<? extends Session>> sessions) {
		this.store = store;
		this.sessions = sessions;
	}

	/**
	 * The session repository in use (the master's store when clustered), as Spring
	 * Session's filter uses it: {@code ops} rounds of a read ({@code findById}) then a
	 * write ({@code save} after changing an attribute), of one session holding a
	 * {@code size}-byte attribute; "put" is the save, "get" the read.
	 */
	@GetMapping("/bench/session")
	Map<String, Object> session(@RequestParam(defaultValue = "5000") int ops,
			@RequestParam(defaultValue = "1024") int size, @RequestParam(defaultValue = "1") int threads,
			@RequestParam(defaultValue = "3") int warmup) throws Exception {
		@SuppressWarnings("unchecked")
		SessionRepository<Session> repository = (SessionRepository<Session>) this.sessions.getObject();
		Map<String, Session> held = new java.util.concurrent.ConcurrentHashMap<>();
		return measure(repository.getClass().getSimpleName(), ops, size, threads, warmup, (key, value) -> {
			Session session = held.computeIfAbsent(key, (k) -> repository.createSession());
			session.setAttribute("payload", value);
			session.setAttribute("count", ThreadLocalRandom.current().nextInt());
			repository.save(session);
		}, (key) -> {
			Session session = repository.findById(held.get(key).getId());
			return (session != null) ? session.getAttribute("payload") : null;
		});
	}

	@GetMapping("/bench/store")
	Map<String, Object> run(@RequestParam String backend, @RequestParam(defaultValue = "0") int redisPort,
			@RequestParam(defaultValue = "5000") int ops, @RequestParam(defaultValue = "512") int size,
			@RequestParam(defaultValue = "1") int threads, @RequestParam(defaultValue = "3") int warmup)
			throws Exception {
		if (backend.equals("redis")) {
			RedisClient client = RedisClient.create("redis://127.0.0.1:" + redisPort);
			try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
				RedisCommands<byte[], byte[]> redis = connection.sync();
				return measure(backend, ops, size, threads, warmup, (key, value) -> redis.set(key.getBytes(), value),
						(key) -> redis.get(key.getBytes()));
			}
			finally {
				client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			}
		}
		if (!backend.equals("cluster")) {
			throw new IllegalArgumentException("backend must be cluster or redis, was " + backend);
		}
		return measure(backend, ops, size, threads, warmup,
				(key, value) -> this.store.put(key, value, Duration.ofMinutes(5)), this.store::get);
	}

	private Map<String, Object> measure(String backend, int ops, int size, int threads, int warmup, Put put, Get get)
			throws Exception {
		if (ops < 1 || threads < 1 || warmup < 0) {
			throw new IllegalArgumentException("ops and threads must be at least 1 and warmup at least 0, were " + ops
					+ ", " + threads + ", " + warmup);
		}
		byte[] value = new byte[size];
		ThreadLocalRandom.current().nextBytes(value);
		// warm-up, not counted: rounds of as many operations as measured, in this worker
		// and (for the cluster) in the master, whose JIT compiles its side of the IPC
		// and the store only as the operations come (seen here: a first round after one
		// round of warm-up had a p99 of 1.5 ms, the fourth 0.16 ms)
		for (int i = 0; i < warmup; i++) {
			round(ops, threads, value, put, get);
		}
		long start = System.nanoTime();
		long[][] latencies = round(ops, threads, value, put, get);
		double seconds = (System.nanoTime() - start) / 1e9;
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("backend", backend);
		answer.put("ops", 2L * ops);
		answer.put("threads", threads);
		answer.put("size", size);
		answer.put("opsPerSecond", Math.round(2 * ops / seconds));
		answer.put("warmupRounds", warmup);
		answer.put("put", percentiles(latencies[0]));
		answer.put("get", percentiles(latencies[1]));
		answer.put("both", percentiles(latencies[2]));
		answer.put("pid", ProcessHandle.current().pid());
		return answer;
	}

	/**
	 * Latencies in nanoseconds: [0] puts, [1] gets, [2] each put and its get together.
	 */
	private static long[][] round(int ops, int threads, byte[] value, Put put, Get get) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			int per = Math.max(1, ops / threads);
			List<Future<long[][]>> parts = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				String prefix = "bench:" + ProcessHandle.current().pid() + ":" + t + ":";
				parts.add(pool.submit(() -> {
					long[][] own = new long[3][per];
					for (int i = 0; i < per; i++) {
						String key = prefix + (i % 1000);
						long a = System.nanoTime();
						put.put(key, value);
						long b = System.nanoTime();
						if (get.get(key) == null) {
							throw new IllegalStateException("lost " + key);
						}
						long c = System.nanoTime();
						own[0][i] = b - a;
						own[1][i] = c - b;
						own[2][i] = c - a;
					}
					return own;
				}));
			}
			long[][] all = new long[3][per * threads];
			for (int t = 0; t < threads; t++) {
				long[][] own = parts.get(t).get();
				for (int k = 0; k < all.length; k++) {
					System.arraycopy(own[k], 0, all[k], t * per, per);
				}
			}
			return all;
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static Map<String, Object> percentiles(long[] nanos) {
		long[] sorted = nanos.clone();
		Arrays.sort(sorted);
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("p50Micros", sorted[sorted.length / 2] / 1000.0);
		figures.put("p99Micros",
				sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] / 1000.0);
		figures.put("maxMicros", sorted[sorted.length - 1] / 1000.0);
		return figures;
	}

	@FunctionalInterface
	private interface Put {

		void put(String key, byte[] value);

	}

	@FunctionalInterface
	private interface Get {

		byte[] get(String key);

	}

}
