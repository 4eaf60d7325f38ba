package dev.bootcluster.sample.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.bootcluster.messaging.BroadcastResult;
import dev.bootcluster.messaging.ClusterMessenger;

/**
 * Used by {@code bench/broadcast} (only with {@code sample.bench.enabled=true}): sends
 * {@code count} broadcasts from this worker over {@code concurrency} threads, back to
 * back or, with {@code rate} > 0, paced at that many per second (then both latencies
 * count from when each message was due), and measures
 * <ul>
 * <li>receipt: from the {@code broadcast} call to the listener in each worker (wall
 * clock, shared by the processes of one machine); "in every worker" is the latest receipt
 * of each broadcast;</li>
 * <li>acknowledged: from the call until it returns, i.e. every ready worker received it
 * and the acknowledgements came back through the master.</li>
 * </ul>
 */
@RestController
@ConditionalOnProperty(name = "sample.bench.enabled", havingValue = "true")
class BroadcastBenchController {

	/** Runs whose receipts are not collected (warm-up) have ids with this prefix. */
	private static final String WARM_UP = "warm-up-";

	private final ClusterMessenger messenger;

	private final int workerId;

	/** What this worker received, per run. */
	private final Map<String, Receipts> receipts = new ConcurrentHashMap<>();

	/** Reports of the other workers, per run this worker ran. */
	private final Map<String, List<BenchReport>> reports = new ConcurrentHashMap<>();

	BroadcastBenchController(ClusterMessenger messenger, @Value("${cluster.internal.worker-id:0}") int workerId) {
		this.messenger = messenger;
		this.workerId = workerId;
	}

	@EventListener
	void on(BenchPing ping) {
		if (ping.run().startsWith(WARM_UP)) {
			return;
		}
		long micros = nowMicros() - ping.sentAtMicros();
		this.receipts.computeIfAbsent(ping.run(), (run) -> new Receipts()).add(ping.seq(), micros);
	}

	@EventListener
	void on(BenchCollect collect) {
		Receipts mine = this.receipts.remove(collect.run());
		BenchReport report = (mine != null) ? mine.report(collect.run(), this.workerId)
				: new BenchReport(collect.run(), this.workerId, new int[0], new long[0]);
		this.messenger.send(collect.replyTo(), report);
	}

	@EventListener
	void on(BenchReport report) {
		List<BenchReport> forRun = this.reports.get(report.run());
		if (forRun != null) {
			forRun.add(report);
		}
	}

	@PostMapping("/bench/broadcast")
	Map<String, Object> run(@RequestParam(defaultValue = "2000") int count,
			@RequestParam(defaultValue = "1") int concurrency, @RequestParam(defaultValue = "64") int bytes,
			@RequestParam(defaultValue = "true") boolean collect, @RequestParam(defaultValue = "0") int rate)
			throws Exception {
		String run = (collect ? "" : WARM_UP) + UUID.randomUUID();
		String padding = "x".repeat(Math.max(0, bytes));
		long[] acknowledged = new long[count];
		AtomicInteger next = new AtomicInteger();
		LongAdder incomplete = new LongAdder();
		int[] targets = new int[1];
		this.reports.put(run, Collections.synchronizedList(new ArrayList<>()));
		ExecutorService pool = Executors.newFixedThreadPool(concurrency);
		// paced (rate > 0): message seq is due at start + seq / rate, and its latencies
		// count from then, so a send held up by an earlier one counts against it (no
		// coordinated omission)
		double intervalNanos = (rate > 0) ? 1e9 / rate : 0;
		long startMicros = nowMicros();
		long start = System.nanoTime();
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < concurrency; t++) {
				futures.add(pool.submit(() -> {
					int seq;
					while ((seq = next.getAndIncrement()) < count) {
						long sent;
						long sentMicros;
						if (rate > 0) {
							sent = start + Math.round(seq * intervalNanos);
							long wait;
							while ((wait = sent - System.nanoTime()) > 0) {
								LockSupport.parkNanos(wait);
							}
							sentMicros = startMicros + (sent - start) / 1000;
						}
						else {
							sent = System.nanoTime();
							sentMicros = nowMicros();
						}
						BroadcastResult result = this.messenger.broadcast(new BenchPing(run, seq, sentMicros, padding));
						acknowledged[seq] = (System.nanoTime() - sent) / 1000;
						targets[0] = result.targets();
						if (!result.complete()) {
							incomplete.increment();
						}
					}
				}));
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		Arrays.sort(acknowledged);

		if (!collect) {
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("count", count);
			body.put("workers", targets[0]);
			body.put("incomplete", incomplete.sum());
			body.put("p50Micros", percentile(acknowledged, 0.50));
			body.put("p99Micros", percentile(acknowledged, 0.99));
			body.put("messagesPerSecond", Math.round(count / seconds));
			return body;
		}
		// collect every worker's receipts (after the measurement, so it does not disturb
		// it)
		this.messenger.broadcast(new BenchCollect(run, this.workerId));
		long deadline = System.nanoTime() + 30_000_000_000L;
		List<BenchReport> collected = this.reports.get(run);
		while (collected.size() < targets[0] && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		this.reports.remove(run);
		long[] latest = new long[count];
		Arrays.fill(latest, -1);
		List<Long> all = new ArrayList<>();
		int[] receivedBy = new int[count];
		synchronized (collected) {
			for (BenchReport report : collected) {
				for (int i = 0; i < report.seqs().length; i++) {
					int seq = report.seqs()[i];
					latest[seq] = Math.max(latest[seq], report.micros()[i]);
					receivedBy[seq]++;
					all.add(report.micros()[i]);
				}
			}
		}
		long missing = Arrays.stream(receivedBy).filter((n) -> n < targets[0]).count();
		// the 10 slowest broadcasts as "seq:micros" (seq / rate = when it was due): shows
		// whether the tail is a few long stalls or spread out
		List<String> slowest = IntStream.range(0, count)
			.boxed()
			.sorted((a, b) -> Long.compare(latest[b], latest[a]))
			.limit(10)
			.map((seq) -> seq + ":" + latest[seq])
			.toList();
		Arrays.sort(latest);
		long[] each = all.stream().mapToLong(Long::longValue).sorted().toArray();

		Map<String, Object> body = new LinkedHashMap<>();
		body.put("count", count);
		body.put("concurrency", concurrency);
		body.put("rate", rate);
		body.put("payloadBytes", bytes);
		body.put("workers", targets[0]);
		body.put("reports", collected.size());
		body.put("incomplete", incomplete.sum());
		body.put("missingReceipts", missing);
		body.put("everyWorkerP50Micros", percentile(latest, 0.50));
		body.put("everyWorkerP99Micros", percentile(latest, 0.99));
		body.put("everyWorkerMaxMicros", latest[count - 1]);
		body.put("eachReceiptP50Micros", percentile(each, 0.50));
		body.put("eachReceiptP99Micros", percentile(each, 0.99));
		body.put("p50Micros", percentile(acknowledged, 0.50));
		body.put("p99Micros", percentile(acknowledged, 0.99));
		body.put("maxMicros", acknowledged[count - 1]);
		body.put("messagesPerSecond", Math.round(count / seconds));
		body.put("slowest", slowest);
		return body;
	}

	private static long percentile(long[] sorted, double fraction) {
		if (sorted.length == 0) {
			return -1;
		}
		return sorted[Math.min(sorted.length - 1, (int) (sorted.length * fraction))];
	}

	private static long nowMicros() {
		Instant now = Instant.now();
		return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
	}

	/** Receipts of one run in one worker. */
	private static final class Receipts {

		private int[] seqs = new int[1024];

		private long[] micros = new long[1024];

		private int size;

		synchronized void add(int seq, long latency) {
			if (this.size == this.seqs.length) {
				this.seqs = Arrays.copyOf(this.seqs, this.size * 2);
				this.micros = Arrays.copyOf(this.micros, this.size * 2);
			}
			this.seqs[this.size] = seq;
			this.micros[this.size] = latency;
			this.size++;
		}

		synchronized BenchReport report(String run, int worker) {
			return new BenchReport(run, worker, Arrays.copyOf(this.seqs, this.size),
					Arrays.copyOf(this.micros, this.size));
		}

	}

}
