package dev.bootcluster.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link SnapshotJson}: a scrape of the kinds Micrometer produces survives the
 * trip through JSON text, non-finite numbers included, and malformed JSON is refused.
 */
class SnapshotJsonTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	static MetricSnapshots scrape() {
		CounterSnapshot requests = CounterSnapshot.builder()
			.name("http_requests")
			.help("requests served")
			.dataPoint(CounterDataPointSnapshot.builder()
				.value(51)
				.labels(Labels.of("uri", "/", "status", "200"))
				.createdTimestampMillis(1_700_000_000_000L)
				.build())
			.dataPoint(CounterDataPointSnapshot.builder()
				.value(2)
				.labels(Labels.of("uri", "/\u00e9", "status", "404"))
				.build())
			.build();
		GaugeSnapshot heap = GaugeSnapshot.builder()
			.name("jvm_memory_used_bytes")
			.unit(Unit.BYTES)
			.dataPoint(GaugeDataPointSnapshot.builder().value(1.5e8).labels(Labels.of("area", "heap")).build())
			.dataPoint(GaugeDataPointSnapshot.builder().value(Double.NaN).labels(Labels.of("area", "nonheap")).build())
			.build();
		HistogramSnapshot latency = HistogramSnapshot.builder()
			.name("http_latency_seconds")
			.unit(Unit.SECONDS)
			.dataPoint(HistogramDataPointSnapshot.builder()
				.classicHistogramBuckets(ClassicHistogramBuckets.of(new double[] { 0.1, 1, Double.POSITIVE_INFINITY },
						new long[] { 40, 9, 2 }))
				.sum(7.25)
				.labels(Labels.of("uri", "/"))
				.build())
			.build();
		SummarySnapshot work = SummarySnapshot.builder()
			.name("work_duration")
			.dataPoint(SummaryDataPointSnapshot.builder()
				.count(12)
				.sum(3.5)
				.quantiles(Quantiles.of(new Quantile(0.5, 0.2), new Quantile(0.99, 1.1)))
				.build())
			.build();
		UnknownSnapshot other = UnknownSnapshot.builder()
			.name("custom")
			.dataPoint(UnknownDataPointSnapshot.builder().value(Double.NEGATIVE_INFINITY).build())
			.build();
		return MetricSnapshots.of(requests, heap, latency, work, other);
	}

	@Test
	void aScrapeSurvivesTheTripThroughJsonText() {
		MetricSnapshots scrape = scrape();
		String text = JSON.writeValueAsString(SnapshotJson.toJson(scrape));
		MetricSnapshots back = SnapshotJson.fromJson(JSON.readTree(text));
		assertThat(JSON.writeValueAsString(SnapshotJson.toJson(back))).isEqualTo(text);
		assertThat(back.size()).isEqualTo(5);

		CounterSnapshot requests = (CounterSnapshot) byName(back, "http_requests");
		assertThat(requests.getMetadata().getHelp()).isEqualTo("requests served");
		assertThat(requests.getDataPoints().get(0).getValue()).isEqualTo(51);
		assertThat((Object) requests.getDataPoints().get(0).getLabels())
			.isEqualTo(Labels.of("uri", "/", "status", "200"));
		assertThat(requests.getDataPoints().get(0).getCreatedTimestampMillis()).isEqualTo(1_700_000_000_000L);
		assertThat(requests.getDataPoints().get(1).getLabels().get("uri")).isEqualTo("/\u00e9");

		GaugeSnapshot heap = (GaugeSnapshot) byName(back, "jvm_memory_used_bytes");
		assertThat(heap.getMetadata().getUnit()).isEqualTo(Unit.BYTES);
		assertThat(heap.getDataPoints().get(1).getValue()).isNaN();

		HistogramDataPointSnapshot latency = ((HistogramSnapshot) byName(back, "http_latency_seconds")).getDataPoints()
			.get(0);
		assertThat(latency.getCount()).isEqualTo(51);
		assertThat(latency.getSum()).isEqualTo(7.25);
		assertThat(latency.getClassicBuckets().getUpperBound(2)).isInfinite();

		SummaryDataPointSnapshot work = ((SummarySnapshot) byName(back, "work_duration")).getDataPoints().get(0);
		assertThat(work.getCount()).isEqualTo(12);
		assertThat(work.getQuantiles().get(1).getValue()).isEqualTo(1.1);
		assertThat(((UnknownSnapshot) byName(back, "custom")).getDataPoints().get(0).getValue())
			.isEqualTo(Double.NEGATIVE_INFINITY);
	}

	private static MetricSnapshot byName(MetricSnapshots snapshots, String name) {
		return snapshots.stream()
			.filter((snapshot) -> snapshot.getMetadata().getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + name));
	}

	@Test
	void nonFiniteNumbersTravelAsStrings() {
		String text = JSON.writeValueAsString(SnapshotJson.toJson(scrape()));
		assertThat(text).contains("\"+Inf\"", "\"NaN\"", "\"-Inf\"").doesNotContain("Infinity");
	}

	@ParameterizedTest
	@ValueSource(strings = { "{}", "[{\"type\":\"counter\"}]", "[{\"type\":\"counter\",\"name\":\"x\"}]",
			"[{\"type\":\"sundial\",\"name\":\"x\",\"points\":[]}]",
			"[{\"type\":\"counter\",\"name\":\"x\",\"points\":[{\"labels\":{}}]}]",
			"[{\"type\":\"counter\",\"name\":\"x\",\"points\":[{\"labels\":[],\"value\":1}]}]",
			"[{\"type\":\"gauge\",\"name\":\"x\",\"points\":[{\"labels\":{},\"value\":\"lots\"}]}]",
			"[{\"type\":\"histogram\",\"name\":\"x\",\"points\":[{\"labels\":{},\"buckets\":{}}]}]",
			"[{\"type\":\"counter\",\"name\":\"x\",\"points\":[]},{\"type\":\"gauge\",\"name\":\"x\",\"points\":[]}]",
			"[{\"type\":\"counter\",\"name\":\"x\",\"points\":[{\"labels\":{},\"value\":-1}]}]" })
	void malformedSnapshotsAreRefused(String json) {
		JsonNode tree = JSON.readTree(json);
		assertThatIllegalArgumentException().isThrownBy(() -> SnapshotJson.fromJson(tree));
	}

}
