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
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RetiredTotals}: a slot's counters, histogram counts and summary counts
 * go on from what its earlier processes counted; gauges are the live process's only.
 */
class RetiredTotalsTest {

	private final RetiredTotals totals = new RetiredTotals();

	@Test
	void aReplacementsCountersGoOnFromItsPredecessorsAndTheirSeriesStay() {
		this.totals.retire(1, MetricSnapshots.of(counter("http_requests", 51, "uri", "/"),
				counter("jobs_runs", 7, "job", "tick"), gauge("heap_used", 100)));
		this.totals.retire(1, MetricSnapshots.of(counter("http_requests", 10, "uri", "/")));
		MetricSnapshots reported = this.totals.apply(1,
				MetricSnapshots.of(counter("http_requests", 3, "uri", "/"), gauge("heap_used", 20)));

		assertThat(counterValue(reported, "http_requests", Labels.of("uri", "/"))).isEqualTo(64);
		// a family the new process has not created yet is still reported
		assertThat(counterValue(reported, "jobs_runs", Labels.of("job", "tick"))).isEqualTo(7);
		// gauges are not cumulative
		assertThat(((GaugeSnapshot) byName(reported, "heap_used")).getDataPoints().get(0).getValue()).isEqualTo(20);
		// another slot keeps its own
		MetricSnapshots other = this.totals.apply(2, MetricSnapshots.of(counter("http_requests", 5, "uri", "/")));
		assertThat(counterValue(other, "http_requests", Labels.of("uri", "/"))).isEqualTo(5);
	}

	@Test
	void aSeriesOnlyTheEarlierProcessHadJoinsItsFamily() {
		this.totals.retire(1, MetricSnapshots.of(counter("http_requests", 5, "uri", "/x")));
		MetricSnapshots reported = this.totals.apply(1, MetricSnapshots.of(counter("http_requests", 2, "uri", "/")));
		assertThat(counterValue(reported, "http_requests", Labels.of("uri", "/"))).isEqualTo(2);
		assertThat(counterValue(reported, "http_requests", Labels.of("uri", "/x"))).isEqualTo(5);
	}

	@Test
	void histogramBucketsCountsAndSumsAndSummaryCountsAddUp() {
		this.totals.retire(3, MetricSnapshots.of(histogram(new long[] { 40, 9, 2 }, 7.25), summary(12, 3.5)));
		MetricSnapshots reported = this.totals.apply(3,
				MetricSnapshots.of(histogram(new long[] { 1, 0, 0 }, 0.05), summary(3, 0.5)));
		HistogramDataPointSnapshot latency = ((HistogramSnapshot) byName(reported, "latency_seconds")).getDataPoints()
			.get(0);
		assertThat(latency.getClassicBuckets().getCount(0)).isEqualTo(41);
		assertThat(latency.getCount()).isEqualTo(52);
		assertThat(latency.getSum()).isEqualTo(7.3);
		SummaryDataPointSnapshot work = ((SummarySnapshot) byName(reported, "work")).getDataPoints().get(0);
		assertThat(work.getCount()).isEqualTo(15);
		assertThat(work.getSum()).isEqualTo(4.0);
	}

	@Test
	void histogramsWhoseBucketsChangedBetweenBuildsAreTheLiveOnes() {
		this.totals.retire(1, MetricSnapshots.of(histogram(new long[] { 40, 9, 2 }, 7.25)));
		HistogramSnapshot other = HistogramSnapshot.builder()
			.name("latency_seconds")
			.dataPoint(HistogramDataPointSnapshot.builder()
				.classicHistogramBuckets(
						ClassicHistogramBuckets.of(new double[] { 0.5, Double.POSITIVE_INFINITY }, new long[] { 1, 1 }))
				.sum(1)
				.build())
			.build();
		MetricSnapshots reported = this.totals.apply(1, MetricSnapshots.of(other));
		assertThat(((HistogramSnapshot) byName(reported, "latency_seconds")).getDataPoints().get(0).getCount())
			.isEqualTo(2);
	}

	@Test
	void aSlotWithNothingRetiredIsReportedAsItIs() {
		MetricSnapshots scrape = MetricSnapshots.of(counter("http_requests", 5, "uri", "/"));
		assertThat(this.totals.apply(1, scrape)).isSameAs(scrape);
	}

	private static CounterSnapshot counter(String name, double value, String... labels) {
		return CounterSnapshot.builder()
			.name(name)
			.dataPoint(CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build())
			.build();
	}

	private static GaugeSnapshot gauge(String name, double value) {
		return GaugeSnapshot.builder()
			.name(name)
			.dataPoint(GaugeDataPointSnapshot.builder().value(value).build())
			.build();
	}

	private static HistogramSnapshot histogram(long[] counts, double sum) {
		return HistogramSnapshot.builder()
			.name("latency_seconds")
			.dataPoint(HistogramDataPointSnapshot.builder()
				.classicHistogramBuckets(
						ClassicHistogramBuckets.of(new double[] { 0.1, 1, Double.POSITIVE_INFINITY }, counts))
				.sum(sum)
				.build())
			.build();
	}

	private static SummarySnapshot summary(long count, double sum) {
		return SummarySnapshot.builder()
			.name("work")
			.dataPoint(SummaryDataPointSnapshot.builder().count(count).sum(sum).build())
			.build();
	}

	private static double counterValue(MetricSnapshots snapshots, String name, Labels labels) {
		return ((CounterSnapshot) byName(snapshots, name)).getDataPoints()
			.stream()
			.filter((point) -> point.getLabels().equals(labels))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + name + labels))
			.getValue();
	}

	private static MetricSnapshot byName(MetricSnapshots snapshots, String name) {
		return snapshots.stream()
			.filter((snapshot) -> snapshot.getMetadata().getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + name));
	}

}
