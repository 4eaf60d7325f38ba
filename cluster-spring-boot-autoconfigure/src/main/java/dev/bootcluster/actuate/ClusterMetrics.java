package dev.bootcluster.actuate;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterSnapshot;

/**
 * Gauges of desired and ready workers and a counter of crash replacements, read from the
 * last status the master sent (no IPC round trip per scrape).
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
	}

	private static ToDoubleFunction<ClusterOperations> value(ToDoubleFunction<ClusterSnapshot> field) {
		return (operations) -> {
			ClusterSnapshot snapshot = operations.lastKnownStatus();
			return (snapshot != null) ? field.applyAsDouble(snapshot) : Double.NaN;
		};
	}

}
