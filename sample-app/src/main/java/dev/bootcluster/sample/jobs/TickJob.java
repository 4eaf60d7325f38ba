package dev.bootcluster.sample.jobs;

import java.nio.charset.StandardCharsets;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.bootcluster.ClusterStore;

/**
 * A job of every second that, in a cluster, runs once per tick on the worker holding the
 * scheduling lease (not once per worker). Each run is counted in the cluster store, so
 * {@code GET /jobs/ticks} shows how often it ran cluster-wide and where it ran last.
 */
@Component
public class TickJob {

	/** The store key of the count: {@code <ticks>,<worker index>,<pid>}. */
	static final String KEY = "sample:ticks";

	private static final Log logger = LogFactory.getLog(TickJob.class);

	private final ClusterStore store;

	private final int workerIndex;

	TickJob(ClusterStore store, @Value("${cluster.worker.index:1}") int workerIndex) {
		this.store = store;
		this.workerIndex = workerIndex;
	}

	@Scheduled(fixedRate = 1000)
	void tick() {
		long pid = ProcessHandle.current().pid();
		// compare-and-set: a count no two workers could both bump by one
		for (int attempt = 0; attempt < 10; attempt++) {
			byte[] current = this.store.get(KEY);
			long ticks = (current != null) ? Ticks.parse(current).ticks() + 1 : 1;
			byte[] next = new Ticks(ticks, this.workerIndex, pid).encode();
			if (this.store.compareAndSet(KEY, current, next, null)) {
				logger.info("tick " + ticks + " by worker-" + this.workerIndex + " (pid " + pid + ")");
				return;
			}
		}
		logger.warn("tick by worker-" + this.workerIndex + " not counted: the count kept changing");
	}

	/** The count of ticks and where the last one ran. */
	record Ticks(long ticks, int lastWorker, long lastPid) {

		static Ticks parse(byte[] value) {
			String[] parts = new String(value, StandardCharsets.UTF_8).split(",");
			return new Ticks(Long.parseLong(parts[0]), Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
		}

		static @Nullable Ticks read(ClusterStore store) {
			byte[] value = store.get(KEY);
			return (value != null) ? parse(value) : null;
		}

		byte[] encode() {
			return (this.ticks + "," + this.lastWorker + "," + this.lastPid).getBytes(StandardCharsets.UTF_8);
		}

	}

}
