package dev.bootcluster.metrics;

import java.util.ArrayList;
import java.util.List;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A worker's Prometheus scrape ({@link MetricSnapshots}, what Micrometer's Prometheus
 * registry produces) as a JSON tree that can travel in an IPC message, and back: the
 * counters, gauges, classic histograms, summaries and untyped metrics with their names,
 * help, units, labels and values. Exemplars, native histogram buckets, info and state-set
 * metrics (which Micrometer does not produce) are left out. Non-finite numbers (a
 * histogram's {@code +Inf} bucket, a NaN gauge) travel as the strings {@code "+Inf"},
 * {@code "-Inf"} and {@code "NaN"}.
 * <p>
 * Shape: an array of {@code {"type": "counter"|"gauge"|"histogram"|"summary"|"unknown",
 * "name", "help"?, "unit"?, "gaugeHistogram"?, "points": [...]}}, each point
 * {@code {"labels": {name: value}, "value"}} or, for histograms and summaries,
 * {@code {"labels", "count", "sum", "buckets": [[upperBound, cumulativeCount]...]}} /
 * {@code "quantiles": [[quantile, value]...]}, with {@code "created"} (milliseconds)
 * where the series has a created timestamp.
 */
public final class SnapshotJson {

	private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

	private SnapshotJson() {
	}

	/** The snapshots as JSON; those of a kind without a form here are left out. */
	public static ArrayNode toJson(MetricSnapshots snapshots) {
		ArrayNode families = NODES.arrayNode();
		for (MetricSnapshot snapshot : snapshots) {
			String type = typeOf(snapshot);
			if (type == null) {
				continue;
			}
			ObjectNode family = families.addObject();
			family.put("type", type);
			MetricMetadata metadata = snapshot.getMetadata();
			family.put("name", metadata.getName());
			if (metadata.getHelp() != null) {
				family.put("help", metadata.getHelp());
			}
			if (metadata.hasUnit()) {
				family.put("unit", metadata.getUnit().toString());
			}
			if (snapshot instanceof HistogramSnapshot histogram && histogram.isGaugeHistogram()) {
				family.put("gaugeHistogram", true);
			}
			ArrayNode points = family.putArray("points");
			for (DataPointSnapshot point : snapshot.getDataPoints()) {
				points.add(point(point));
			}
		}
		return families;
	}

	private static @Nullable String typeOf(MetricSnapshot snapshot) {
		if (snapshot instanceof CounterSnapshot) {
			return "counter";
		}
		if (snapshot instanceof GaugeSnapshot) {
			return "gauge";
		}
		if (snapshot instanceof HistogramSnapshot) {
			return "histogram";
		}
		if (snapshot instanceof SummarySnapshot) {
			return "summary";
		}
		if (snapshot instanceof UnknownSnapshot) {
			return "unknown";
		}
		return null;
	}

	private static ObjectNode point(DataPointSnapshot point) {
		ObjectNode json = NODES.objectNode();
		ObjectNode labels = json.putObject("labels");
		for (Label label : point.getLabels()) {
			labels.put(label.getName(), label.getValue());
		}
		if (point.hasCreatedTimestamp()) {
			json.put("created", point.getCreatedTimestampMillis());
		}
		if (point instanceof CounterDataPointSnapshot counter) {
			json.set("value", number(counter.getValue()));
		}
		else if (point instanceof GaugeDataPointSnapshot gauge) {
			json.set("value", number(gauge.getValue()));
		}
		else if (point instanceof UnknownDataPointSnapshot unknown) {
			json.set("value", number(unknown.getValue()));
		}
		else if (point instanceof HistogramDataPointSnapshot histogram) {
			distribution(json, histogram.hasCount() ? histogram.getCount() : null,
					histogram.hasSum() ? histogram.getSum() : null);
			ArrayNode buckets = json.putArray("buckets");
			ClassicHistogramBuckets classic = histogram.getClassicBuckets();
			for (int i = 0; i < classic.size(); i++) {
				buckets.addArray().add(number(classic.getUpperBound(i))).add(classic.getCount(i));
			}
		}
		else if (point instanceof SummaryDataPointSnapshot summary) {
			distribution(json, summary.hasCount() ? summary.getCount() : null,
					summary.hasSum() ? summary.getSum() : null);
			ArrayNode quantiles = json.putArray("quantiles");
			for (Quantile quantile : summary.getQuantiles()) {
				quantiles.addArray().add(number(quantile.getQuantile())).add(number(quantile.getValue()));
			}
		}
		return json;
	}

	private static void distribution(ObjectNode json, @Nullable Long count, @Nullable Double sum) {
		if (count != null) {
			json.put("count", count);
		}
		if (sum != null) {
			json.set("sum", number(sum));
		}
	}

	private static JsonNode number(double value) {
		if (Double.isNaN(value)) {
			return NODES.stringNode("NaN");
		}
		if (Double.isInfinite(value)) {
			return NODES.stringNode((value > 0) ? "+Inf" : "-Inf");
		}
		return NODES.numberNode(value);
	}

	/**
	 * The snapshots a worker sent.
	 * @throws IllegalArgumentException if the JSON is not of the shape {@link #toJson}
	 * writes (or the model refuses it: a duplicate name, a decreasing bucket)
	 */
	public static MetricSnapshots fromJson(JsonNode families) {
		if (!families.isArray()) {
			throw new IllegalArgumentException("metric snapshots must be a JSON array, not " + families.getNodeType());
		}
		List<MetricSnapshot> snapshots = new ArrayList<>();
		for (JsonNode family : families) {
			snapshots.add(family(family));
		}
		return new MetricSnapshots(snapshots);
	}

	private static MetricSnapshot family(JsonNode family) {
		String type = text(family, "type");
		String help = family.hasNonNull("help") ? text(family, "help") : null;
		MetricMetadata metadata = family.hasNonNull("unit")
				? new MetricMetadata(text(family, "name"), help, new Unit(text(family, "unit")))
				: new MetricMetadata(text(family, "name"), help);
		JsonNode points = family.get("points");
		if (points == null || !points.isArray()) {
			throw new IllegalArgumentException("metric " + metadata.getName() + " has no points array");
		}
		switch (type) {
			case "counter" -> {
				List<CounterDataPointSnapshot> list = new ArrayList<>();
				points.forEach((point) -> list
					.add(new CounterDataPointSnapshot(value(point, "value"), labels(point), null, created(point))));
				return new CounterSnapshot(metadata, list);
			}
			case "gauge" -> {
				List<GaugeDataPointSnapshot> list = new ArrayList<>();
				points.forEach(
						(point) -> list.add(new GaugeDataPointSnapshot(value(point, "value"), labels(point), null)));
				return new GaugeSnapshot(metadata, list);
			}
			case "unknown" -> {
				List<UnknownDataPointSnapshot> list = new ArrayList<>();
				points.forEach(
						(point) -> list.add(new UnknownDataPointSnapshot(value(point, "value"), labels(point), null)));
				return new UnknownSnapshot(metadata, list);
			}
			case "histogram" -> {
				List<HistogramDataPointSnapshot> list = new ArrayList<>();
				points.forEach((point) -> list.add(new HistogramDataPointSnapshot(buckets(point),
						optionalValue(point, "sum"), labels(point), Exemplars.EMPTY, created(point))));
				return new HistogramSnapshot(family.path("gaugeHistogram").asBoolean(false), metadata, list);
			}
			case "summary" -> {
				List<SummaryDataPointSnapshot> list = new ArrayList<>();
				points.forEach((point) -> list
					.add(new SummaryDataPointSnapshot(point.path("count").asLong(-1), optionalValue(point, "sum"),
							quantiles(point), labels(point), Exemplars.EMPTY, created(point))));
				return new SummarySnapshot(metadata, list);
			}
			default -> throw new IllegalArgumentException("unknown metric type '" + type + "'");
		}
	}

	private static Labels labels(JsonNode point) {
		JsonNode labels = point.path("labels");
		if (!labels.isObject()) {
			throw new IllegalArgumentException("a point's labels must be an object");
		}
		List<String> names = new ArrayList<>();
		List<String> values = new ArrayList<>();
		for (var entry : labels.properties()) {
			names.add(entry.getKey());
			values.add(entry.getValue().asString());
		}
		return Labels.of(names, values);
	}

	private static ClassicHistogramBuckets buckets(JsonNode point) {
		JsonNode buckets = point.path("buckets");
		if (!buckets.isArray()) {
			throw new IllegalArgumentException("a histogram point needs a buckets array");
		}
		List<Double> bounds = new ArrayList<>();
		List<Long> counts = new ArrayList<>();
		for (JsonNode bucket : buckets) {
			bounds.add(toDouble(bucket.path(0)));
			counts.add(bucket.path(1).asLong());
		}
		return ClassicHistogramBuckets.of(bounds, counts);
	}

	private static Quantiles quantiles(JsonNode point) {
		List<Quantile> quantiles = new ArrayList<>();
		for (JsonNode quantile : point.path("quantiles")) {
			quantiles.add(new Quantile(toDouble(quantile.path(0)), toDouble(quantile.path(1))));
		}
		return Quantiles.of(quantiles);
	}

	private static long created(JsonNode point) {
		return point.path("created").asLong(0);
	}

	private static double value(JsonNode point, String field) {
		if (!point.has(field)) {
			throw new IllegalArgumentException("a point has no " + field);
		}
		return toDouble(point.get(field));
	}

	private static double optionalValue(JsonNode point, String field) {
		return point.has(field) ? toDouble(point.get(field)) : Double.NaN;
	}

	private static double toDouble(JsonNode node) {
		if (node.isNumber()) {
			return node.asDouble();
		}
		return switch (node.asString("")) {
			case "NaN" -> Double.NaN;
			case "+Inf" -> Double.POSITIVE_INFINITY;
			case "-Inf" -> Double.NEGATIVE_INFINITY;
			default -> throw new IllegalArgumentException("not a number: " + node);
		};
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isString()) {
			throw new IllegalArgumentException("a metric needs a text " + field);
		}
		return value.asString();
	}

}
