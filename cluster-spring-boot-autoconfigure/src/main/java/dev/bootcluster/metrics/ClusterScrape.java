package dev.bootcluster.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Merges the workers' scrapes (in the JSON of {@link SnapshotJson}, as the master relayed
 * them, with each slot's retired totals added) into one: every series of every worker
 * with a {@value #WORKER_LABEL} label naming its slot ({@value #OWN_WORKER_LABEL} for a
 * series that has a {@code worker} label of its own), the starter's own {@code cluster_*}
 * families once (the asking worker's, unlabelled: every worker reports the same cluster),
 * and a gauge {@value #MISSING} of the workers left out because they did not answer in
 * time.
 */
public final class ClusterScrape {

	/** The query a worker answers with its own scrape. */
	public static final String QUERY = "metrics.prometheus";

	/** The label naming the slot a series comes from. */
	public static final String WORKER_LABEL = "worker";

	/** The slot's label on a series that has a {@code worker} label of its own. */
	public static final String OWN_WORKER_LABEL = "cluster_worker";

	/** The gauge of workers left out of a scrape. */
	public static final String MISSING = "cluster_scrape_workers_missing";

	/** Families of the starter's own meters (named {@code cluster.*}). */
	static final String CLUSTER_PREFIX = "cluster_";

	private static final String[] SUFFIXES = { "", "_total", "_count", "_sum", "_bucket", "_created", "_info" };

	private ClusterScrape() {
	}

	/**
	 * One scrape of the whole cluster.
	 * @param scrapes each answering slot's scrape, by slot
	 * @param ownSlot the asking worker's slot (whose {@code cluster_*} families are kept)
	 * @param missing how many workers did not answer
	 * @param names which metric names to keep ({@code PrometheusRegistry}'s filter, asked
	 * with the name and with each of the suffixes of its samples)
	 * @throws IllegalArgumentException if a scrape is not of the form
	 * {@link SnapshotJson} writes
	 */
	public static MetricSnapshots merge(Map<Integer, JsonNode> scrapes, int ownSlot, int missing,
			Predicate<String> names) {
		Map<String, ObjectNode> families = new LinkedHashMap<>();
		scrapes.forEach((slot, scrape) -> {
			if (!scrape.isArray()) {
				throw new IllegalArgumentException("worker-" + slot + "'s scrape is not a JSON array");
			}
			for (JsonNode family : scrape) {
				add(families, family, slot, slot == ownSlot, names);
			}
		});
		ArrayNode merged = JsonNodeFactory.instance.arrayNode();
		families.values().forEach(merged::add);
		if (names.test(MISSING)) {
			ObjectNode gauge = merged.addObject();
			gauge.put("type", "gauge");
			gauge.put("name", MISSING);
			gauge.put("help", "Workers left out of this scrape because they did not answer in time");
			ObjectNode point = gauge.putArray("points").addObject();
			point.putObject("labels");
			point.put("value", missing);
		}
		return SnapshotJson.fromJson(merged);
	}

	private static void add(Map<String, ObjectNode> families, JsonNode family, int slot, boolean own,
			Predicate<String> names) {
		String name = family.path("name").asString("");
		if (!included(name, names)) {
			return;
		}
		boolean cluster = name.startsWith(CLUSTER_PREFIX);
		if (cluster && !own) {
			return;
		}
		ObjectNode merged = families.get(name);
		if (merged == null) {
			merged = ((ObjectNode) family).deepCopy();
			merged.putArray("points");
			families.put(name, merged);
		}
		else if (!merged.path("type").equals(family.path("type"))) {
			// a worker of another version, whose meter is of another type: the first kept
			return;
		}
		ArrayNode points = (ArrayNode) merged.get("points");
		for (JsonNode point : family.path("points")) {
			ObjectNode copy = ((ObjectNode) point).deepCopy();
			if (!cluster) {
				JsonNode labels = copy.path("labels");
				if (!labels.isObject()) {
					throw new IllegalArgumentException("a point of " + name + " has no labels object");
				}
				((ObjectNode) labels).put(labels.has(WORKER_LABEL) ? OWN_WORKER_LABEL : WORKER_LABEL,
						Integer.toString(slot));
			}
			points.add(copy);
		}
	}

	private static boolean included(String name, Predicate<String> names) {
		for (String suffix : SUFFIXES) {
			if (names.test(name + suffix)) {
				return true;
			}
		}
		return false;
	}

}
