package dev.bootcluster.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import tools.jackson.databind.JsonNode;

import dev.bootcluster.master.QueryRelay;

/**
 * The master's side of the cluster-wide scrape: it keeps the last scrape each worker
 * process answered, retires it into its slot's {@link RetiredTotals} when the process
 * leaves, and answers each scrape with the slot's retired totals added, so that a slot's
 * counters never go down across crash replacements and rolling restarts (and a slot whose
 * process is starting is reported with its retired totals).
 * <p>
 * The values are the starter's own metric snapshots (numbers and labels), read as JSON,
 * never application objects.
 */
public final class MetricsLedger implements QueryRelay.PartHandler {

	/** Has the master's queries keep retired totals for the cluster-wide scrape. */
	public static void keep(QueryRelay queries) {
		queries.handler(ClusterScrape.QUERY, new MetricsLedger());
	}

	private final RetiredTotals retired = new RetiredTotals();

	/** The last scrape of each live process, and its slot (guarded by this). */
	private final Map<Long, Last> last = new HashMap<>();

	@Override
	public synchronized JsonNode handle(int workerId, long pid, JsonNode result) {
		MetricSnapshots scrape = SnapshotJson.fromJson(result);
		// the starter's own families count the cluster, not the process: nothing of
		// theirs is retired
		this.last.put(pid,
				new Last(workerId, new MetricSnapshots(scrape.stream()
					.filter((family) -> !family.getMetadata().getName().startsWith(ClusterScrape.CLUSTER_PREFIX))
					.toList())));
		return SnapshotJson.toJson(this.retired.apply(workerId, scrape));
	}

	@Override
	public synchronized void processGone(int workerId, long pid) {
		Last gone = this.last.remove(pid);
		if (gone != null) {
			this.retired.retire(gone.workerId(), gone.scrape());
		}
	}

	/**
	 * A slot whose process is being replaced (or was scaled away) keeps its series: its
	 * retired totals, so that the cluster's counters do not dip while it starts.
	 */
	@Override
	public synchronized Map<Integer, JsonNode> withoutProcess(Set<Integer> answered) {
		Map<Integer, JsonNode> retiredOnly = new TreeMap<>();
		for (int slot : this.retired.slots()) {
			if (!answered.contains(slot)) {
				retiredOnly.put(slot, SnapshotJson.toJson(this.retired.apply(slot, new MetricSnapshots(List.of()))));
			}
		}
		return retiredOnly;
	}

	private record Last(int workerId, MetricSnapshots scrape) {
	}

}
