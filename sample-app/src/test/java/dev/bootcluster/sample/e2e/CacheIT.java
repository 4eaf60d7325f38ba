package dev.bootcluster.sample.e2e;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.bootcluster.sample.e2e.ClusterProcess.FreshAnswer;
import dev.bootcluster.sample.e2e.ClusterProcess.RawResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coherent caches in a 2-worker cluster: the sample's {@code GET /prices/{id}} is a slow
 * {@code @Cacheable} (its answer says which worker computed it, with an id of that
 * computation), {@code POST /prices/{id}} raises the version in the cluster's store with
 * {@code @CacheEvict}. Every request goes over a fresh connection, so the kernel picks
 * the worker; answers say which one served them.
 */
@ExtendWith(ClusterCleanup.class)
class CacheIT {

	/** Enough fresh connections for the kernel to pick a given worker of two. */
	private static final int TRIES = 400;

	/**
	 * Each worker keeps its own entry (filling it on one does not evict it on the other),
	 * and after an update through one worker, the other worker's very next read, which
	 * had the old price cached just before, computes the new version.
	 */
	@Test
	void aWriteThroughOneWorkerIsSeenByTheOthersVeryNextRead() throws Exception {
		ClusterProcess cluster = start();
		List<Long> workers = cluster.workerPids();
		assertThat(workers).hasSize(2);
		Map<Long, Price> cached = warmOnEveryWorker(cluster, workers, "eur", 0);
		for (int round = 1; round <= 3; round++) {
			Update update = update(cluster, "eur");
			assertThat(update.version()).isEqualTo(round);
			long other = workers.get(0).equals(update.answeredBy()) ? workers.get(1) : workers.get(0);
			Price before = cached.get(other);
			assertThat(before.version()).as("the other worker's cached price before the update").isEqualTo(round - 1);
			Read next = readOn(cluster, other, "eur");
			assertThat(next.price().version()).as("the other worker's first read after the update").isEqualTo(round);
			assertThat(next.price().computation()).isNotEqualTo(before.computation());
			assertThat(next.price().computedBy()).isEqualTo(other);
			cached = warmOnEveryWorker(cluster, workers, "eur", round);
		}
	}

	/**
	 * With {@code cluster.cache.mode=shared} the entry lives in the master's store: what
	 * one worker computed, the other serves; an update evicts it for both.
	 */
	@Test
	void inSharedModeWhatOneWorkerComputedTheOtherServes() throws Exception {
		ClusterProcess cluster = start("--cluster.cache.mode=shared", "--cluster.cache.time-to-live=10m");
		List<Long> workers = cluster.workerPids();
		Read first = read(cluster, "usd");
		long other = workers.get(0).equals(first.answeredBy()) ? workers.get(1) : workers.get(0);
		Read fromOther = readOn(cluster, other, "usd");
		assertThat(fromOther.price()).as("served by the other worker from the shared entry").isEqualTo(first.price());
		assertThat(fromOther.price().computedBy()).isEqualTo(first.answeredBy());
		Update update = update(cluster, "usd");
		assertThat(update.version()).isEqualTo(1);
		Read after = read(cluster, "usd");
		assertThat(after.price().version()).isEqualTo(1);
		long otherAfter = workers.get(0).equals(after.answeredBy()) ? workers.get(1) : workers.get(0);
		assertThat(readOn(cluster, otherAfter, "usd").price()).isEqualTo(after.price());
	}

	private static ClusterProcess start(String... more) throws IOException {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
				"--management.server.port=0", "--cluster.workers=2"));
		args.addAll(List.of(more));
		return ClusterProcess.start(args.toArray(String[]::new)).awaitReady(2);
	}

	/**
	 * Reads the price on every worker until each serves it from its own cache: two reads
	 * on a worker give the same computation, made by that worker, of {@code version}.
	 */
	private static Map<Long, Price> warmOnEveryWorker(ClusterProcess cluster, List<Long> workers, String id,
			long version) throws IOException {
		Map<Long, Price> cached = new HashMap<>();
		for (long worker : workers) {
			Price price = readOn(cluster, worker, id).price();
			assertThat(price.version()).isEqualTo(version);
			assertThat(price.computedBy()).as("a fill is local").isEqualTo(worker);
			cached.put(worker, price);
		}
		// the second worker's fill left the first one's entry alone: both serve from
		// cache
		for (long worker : workers) {
			assertThat(readOn(cluster, worker, id).price()).as("served from worker " + worker + "'s cache")
				.isEqualTo(cached.get(worker));
		}
		return cached;
	}

	private static Read readOn(ClusterProcess cluster, long worker, String id) throws IOException {
		for (int i = 0; i < TRIES; i++) {
			Read read = read(cluster, id);
			if (read.answeredBy() == worker) {
				return read;
			}
		}
		throw new AssertionError("Worker " + worker + " did not answer GET /prices/" + id + " in " + TRIES + " tries");
	}

	@SuppressWarnings("unchecked")
	private static Read read(ClusterProcess cluster, String id) throws IOException {
		FreshAnswer answer = cluster.getFresh("/prices/" + id);
		assertThat(answer.status()).as("GET /prices/" + id + " -> " + answer.body()).isEqualTo(200);
		Map<String, Object> price = (Map<String, Object>) answer.body().get("price");
		return new Read(ClusterProcess.pidOf(answer.body()),
				new Price((String) price.get("id"), ((Number) price.get("version")).longValue(),
						((Number) price.get("computedBy")).longValue(), (String) price.get("computation")));
	}

	/** {@code POST /prices/{id}} over a fresh connection. */
	private static Update update(ClusterProcess cluster, String id) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", cluster.port()), 5000);
			socket.setSoTimeout(30_000);
			OutputStream out = socket.getOutputStream();
			out.write(("POST /prices/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
					+ "Connection: close\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			RawResponse response = RawResponse.read(new BufferedInputStream(socket.getInputStream()));
			assertThat(response.status()).as("POST /prices/" + id + " -> " + response.body()).isEqualTo(200);
			Map<String, Object> body = ClusterProcess.parse(response.body());
			return new Update(((Number) body.get("version")).longValue(), ClusterProcess.pidOf(body));
		}
	}

	private record Price(String id, long version, long computedBy, String computation) {
	}

	private record Read(long answeredBy, Price price) {
	}

	private record Update(long version, long answeredBy) {
	}

}
