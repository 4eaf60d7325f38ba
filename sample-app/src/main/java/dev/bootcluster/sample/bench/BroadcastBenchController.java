package dev.bootcluster.sample.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.bootcluster.messaging.BroadcastResult;
import dev.bootcluster.messaging.ClusterMessenger;

/**
 * Used by {@code bench/broadcast} (only with {@code sample.bench.enabled=true}): sends
 * {@code count} broadcasts from this worker over {@code concurrency} threads and measures each
 * from the call until every ready worker acknowledged it (after its listener ran), which bounds
 * the latency to receipt in every worker from above.
 */
@RestController
@ConditionalOnProperty(name = "sample.bench.enabled", havingValue = "true")
class BroadcastBenchController {

	private final ClusterMessenger messenger;

	private final LongAdder received = new LongAdder();

	BroadcastBenchController(ClusterMessenger messenger) {
		this.messenger = messenger;
	}

	@EventListener
	void on(BenchPing ping) {
		this.received.increment();
	}

	@PostMapping("/bench/broadcast")
	Map<String, Object> run(@RequestParam(defaultValue = "2000") int count,
			@RequestParam(defaultValue = "1") int concurrency, @RequestParam(defaultValue = "64") int bytes)
			throws Exception {
		String padding = "x".repeat(Math.max(0, bytes));
		long[] micros = new long[count];
		AtomicLong next = new AtomicLong();
		LongAdder incomplete = new LongAdder();
		int[] targets = new int[1];
		ExecutorService pool = Executors.newFixedThreadPool(concurrency);
		long start = System.nanoTime();
		try {
			Future<?>[] futures = new Future<?>[concurrency];
			for (int t = 0; t < concurrency; t++) {
				futures[t] = pool.submit(() -> {
					long seq;
					while ((seq = next.getAndIncrement()) < count) {
						long sent = System.nanoTime();
						BroadcastResult result = this.messenger.broadcast(new BenchPing(seq, padding));
						micros[(int) seq] = (System.nanoTime() - sent) / 1000;
						targets[0] = result.targets();
						if (!result.complete()) {
							incomplete.increment();
						}
					}
				});
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		Arrays.sort(micros);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("count", count);
		body.put("concurrency", concurrency);
		body.put("payloadBytes", bytes);
		body.put("workers", targets[0]);
		body.put("incomplete", incomplete.sum());
		body.put("p50Micros", micros[(int) (count * 0.50)]);
		body.put("p99Micros", micros[Math.min(count - 1, (int) (count * 0.99))]);
		body.put("maxMicros", micros[count - 1]);
		body.put("messagesPerSecond", Math.round(count / seconds));
		body.put("receivedHere", this.received.sum());
		return body;
	}

}
