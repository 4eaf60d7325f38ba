package dev.bootcluster.actuate;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.StoreStats;

/**
 * Gauges of desired and ready workers and a counter of crash replacements, and the
 * master's store (entries, bytes used and budget; evictions, refused writes and
 * expirations as counters), read from the last status the master sent (no IPC round trip
 * per scrape).
 */
public class ClusterMetrics implements MeterBinder {

	private final ClusterOperations operations;

	public ClusterMetrics(ClusterOperations operations) {
		this.operations = operations;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("cluster.workers.desired", this.operations, value(ClusterSnapshot::desired))
			.description("Workers the master keeps running")
			.register(registry);
		Gauge.builder("cluster.workers.ready", this.operations, value(ClusterSnapshot::ready))
			.description("Workers currently ready")
			.register(registry);
		FunctionCounter.builder("cluster.workers.restarts", this.operations, value(ClusterSnapshot::restarts))
			.description("Crashed workers replaced by the master (not rolling-restart replacements)")
			.register(registry);
		Gauge.builder("cluster.store.entries", this.operations, store(StoreStats::entries))
			.description("Entries in the master's store")
			.register(registry);
		Gauge.builder("cluster.store.bytes.used", this.operations, store(StoreStats::bytesUsed))
			.description("Bytes charged for the entries of the master's store")
			.baseUnit("bytes")
			.register(registry);
		Gauge.builder("cluster.store.bytes.max", this.operations, store(StoreStats::maxBytes))
			.description("Byte budget of the master's store (cluster.store.max-size)")
			.baseUnit("bytes")
			.register(registry);
		FunctionCounter.builder("cluster.store.evictions", this.operations, store(StoreStats::evictions))
			.description("Entries with a TTL evicted from the master's store to make room")
			.register(registry);
		FunctionCounter.builder("cluster.store.refusals", this.operations, store(StoreStats::refusals))
			.description("Writes the master's store refused because they did not fit in its budget")
			.register(registry);
		FunctionCounter.builder("cluster.store.expirations", this.operations, store(StoreStats::expirations))
			.description("Entries of the master's store removed because they expired")
			.register(registry);
	}

	private static ToDoubleFunction<ClusterOperations> store(ToDoubleFunction<StoreStats> field) {
		return value((snapshot) -> (snapshot.store() != null) ? field.applyAsDouble(snapshot.store()) : Double.NaN);
	}

	private static ToDoubleFunction<ClusterOperations> value(ToDoubleFunction<ClusterSnapshot> field) {
		return (operations) -> {
			ClusterSnapshot snapshot = operations.lastKnownStatus();
			return (snapshot != null) ? field.applyAsDouble(snapshot) : Double.NaN;
		};
	}

}
