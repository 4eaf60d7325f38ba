package dev.bootcluster.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import org.jspecify.annotations.Nullable;

/**
 * What each worker slot's earlier processes counted, so that a slot's counters never go
 * down when its process is replaced (a crash, a rolling restart): as client_python's
 * multiprocess mode keeps the files of dead processes. When a process leaves its slot,
 * its last scrape is {@link #retire retired}: its counters, histogram counts and sums and
 * summary counts and sums are added to the slot's totals; every later scrape of the slot
 * is reported {@link #apply with those totals added}, series the new process has not
 * created yet included. Gauges and untyped metrics are the live process's only, and so
 * are summary quantiles.
 * <p>
 * Not thread-safe: the caller guards it.
 */
public final class RetiredTotals {

	private final Map<Integer, Map<String, Retired>> slots = new HashMap<>();

	/**
	 * A process of {@code slot} left; {@code lastScrape} is the last scrape it answered.
	 */
	public void retire(int slot, MetricSnapshots lastScrape) {
		Map<String, Retired> totals = this.slots.computeIfAbsent(slot, (id) -> new LinkedHashMap<>());
		for (MetricSnapshot snapshot : lastScrape) {
			for (DataPointSnapshot point : snapshot.getDataPoints()) {
				Retired now = Retired.of(snapshot, point);
				if (now != null) {
					totals.merge(key(snapshot.getMetadata(), point.getLabels()), now, Retired::plus);
				}
			}
		}
	}

	/** The slots that have retired totals. */
	public Set<Integer> slots() {
		return Collections.unmodifiableSet(this.slots.keySet());
	}

	/**
	 * A scrape of {@code slot}'s current process, with the slot's retired totals added.
	 */
	public MetricSnapshots apply(int slot, MetricSnapshots scrape) {
		Map<String, Retired> totals = this.slots.get(slot);
		if (totals == null || totals.isEmpty()) {
			return scrape;
		}
		Map<String, Retired> unused = new LinkedHashMap<>(totals);
		List<MetricSnapshot> result = new ArrayList<>();
		for (MetricSnapshot snapshot : scrape) {
			result.add(added(snapshot, unused));
		}
		// series only earlier processes had: kept, so that their sums do not fall
		Map<String, List<Retired>> missing = new LinkedHashMap<>();
		for (Retired retired : unused.values()) {
			missing.computeIfAbsent(retired.name, (name) -> new ArrayList<>()).add(retired);
		}
		for (int i = 0; i < result.size(); i++) {
			MetricSnapshot snapshot = result.get(i);
			List<Retired> more = missing.remove(snapshot.getMetadata().getName());
			if (more != null) {
				result.set(i, withPoints(snapshot, more));
			}
		}
		for (List<Retired> family : missing.values()) {
			result.add(family.get(0).family(family));
		}
		return new MetricSnapshots(result);
	}

	private static MetricSnapshot added(MetricSnapshot snapshot, Map<String, Retired> unused) {
		MetricMetadata metadata = snapshot.getMetadata();
		if (snapshot instanceof CounterSnapshot counter) {
			List<CounterDataPointSnapshot> points = new ArrayList<>();
			for (CounterDataPointSnapshot point : counter.getDataPoints()) {
				Retired retired = unused.remove(key(metadata, point.getLabels()));
				points.add((retired == null) ? point : new CounterDataPointSnapshot(point.getValue() + retired.value,
						point.getLabels(), null, point.getCreatedTimestampMillis()));
			}
			return new CounterSnapshot(metadata, points);
		}
		if (snapshot instanceof HistogramSnapshot histogram && !histogram.isGaugeHistogram()) {
			List<HistogramDataPointSnapshot> points = new ArrayList<>();
			for (HistogramDataPointSnapshot point : histogram.getDataPoints()) {
				// taken either way: buckets that changed between builds leave the live
				// ones
				Retired retired = unused.remove(key(metadata, point.getLabels()));
				ClassicHistogramBuckets buckets = (retired != null) ? retired.addedTo(point.getClassicBuckets()) : null;
				if (retired == null || buckets == null) {
					points.add(point);
					continue;
				}
				points.add(new HistogramDataPointSnapshot(buckets, sum(point.hasSum(), point.getSum(), retired.sum),
						point.getLabels(), Exemplars.EMPTY, point.getCreatedTimestampMillis()));
			}
			return new HistogramSnapshot(false, metadata, points);
		}
		if (snapshot instanceof SummarySnapshot summary) {
			List<SummaryDataPointSnapshot> points = new ArrayList<>();
			for (SummaryDataPointSnapshot point : summary.getDataPoints()) {
				Retired retired = unused.remove(key(metadata, point.getLabels()));
				points.add((retired == null || !point.hasCount()) ? point
						: new SummaryDataPointSnapshot(point.getCount() + retired.count,
								sum(point.hasSum(), point.getSum(), retired.sum), point.getQuantiles(),
								point.getLabels(), Exemplars.EMPTY, point.getCreatedTimestampMillis()));
			}
			return new SummarySnapshot(metadata, points);
		}
		return snapshot;
	}

	private static double sum(boolean has, double sum, double retired) {
		return has ? sum + retired : Double.NaN;
	}

	/** A family of the current scrape, with series only earlier processes had. */
	private static MetricSnapshot withPoints(MetricSnapshot snapshot, List<Retired> more) {
		if (snapshot instanceof CounterSnapshot counter && more.get(0).kind == Kind.COUNTER) {
			List<CounterDataPointSnapshot> points = new ArrayList<>(counter.getDataPoints());
			more.forEach((retired) -> points.add(retired.counterPoint()));
			return new CounterSnapshot(snapshot.getMetadata(), points);
		}
		if (snapshot instanceof HistogramSnapshot histogram && more.get(0).kind == Kind.HISTOGRAM) {
			List<HistogramDataPointSnapshot> points = new ArrayList<>(histogram.getDataPoints());
			more.forEach((retired) -> points.add(retired.histogramPoint()));
			return new HistogramSnapshot(histogram.isGaugeHistogram(), snapshot.getMetadata(), points);
		}
		if (snapshot instanceof SummarySnapshot summary && more.get(0).kind == Kind.SUMMARY) {
			List<SummaryDataPointSnapshot> points = new ArrayList<>(summary.getDataPoints());
			more.forEach((retired) -> points.add(retired.summaryPoint()));
			return new SummarySnapshot(snapshot.getMetadata(), points);
		}
		// the family changed kind between builds: the live one wins
		return snapshot;
	}

	private static String key(MetricMetadata metadata, Labels labels) {
		return metadata.getName() + labels;
	}

	private enum Kind {

		COUNTER, HISTOGRAM, SUMMARY

	}

	/** One series' retired totals. */
	private static final class Retired {

		final Kind kind;

		final String name;

		final MetricMetadata metadata;

		final Labels labels;

		final double value;

		final long count;

		final double sum;

		final double @Nullable [] bounds;

		final long @Nullable [] counts;

		private Retired(Kind kind, MetricMetadata metadata, Labels labels, double value, long count, double sum,
				double @Nullable [] bounds, long @Nullable [] counts) {
			this.kind = kind;
			this.name = metadata.getName();
			this.metadata = metadata;
			this.labels = labels;
			this.value = value;
			this.count = count;
			this.sum = sum;
			this.bounds = bounds;
			this.counts = counts;
		}

		static @Nullable Retired of(MetricSnapshot snapshot, DataPointSnapshot point) {
			MetricMetadata metadata = snapshot.getMetadata();
			if (point instanceof CounterDataPointSnapshot counter) {
				return new Retired(Kind.COUNTER, metadata, point.getLabels(), counter.getValue(), 0, 0, null, null);
			}
			if (point instanceof HistogramDataPointSnapshot histogram
					&& !((HistogramSnapshot) snapshot).isGaugeHistogram() && histogram.hasClassicHistogramData()) {
				ClassicHistogramBuckets buckets = histogram.getClassicBuckets();
				double[] bounds = new double[buckets.size()];
				long[] counts = new long[buckets.size()];
				for (int i = 0; i < bounds.length; i++) {
					bounds[i] = buckets.getUpperBound(i);
					counts[i] = buckets.getCount(i);
				}
				return new Retired(Kind.HISTOGRAM, metadata, point.getLabels(), 0, 0,
						histogram.hasSum() ? histogram.getSum() : 0, bounds, counts);
			}
			if (point instanceof SummaryDataPointSnapshot summary && summary.hasCount()) {
				return new Retired(Kind.SUMMARY, metadata, point.getLabels(), 0, summary.getCount(),
						summary.hasSum() ? summary.getSum() : 0, null, null);
			}
			return null;
		}

		Retired plus(Retired other) {
			if (other.kind != this.kind) {
				// the family changed kind between builds: the latest one counts
				return other;
			}
			long[] added = this.counts;
			if (this.counts != null && other.counts != null) {
				if (!Arrays.equals(this.bounds, other.bounds)) {
					return other;
				}
				added = new long[this.counts.length];
				for (int i = 0; i < added.length; i++) {
					added[i] = this.counts[i] + other.counts[i];
				}
			}
			return new Retired(this.kind, other.metadata, this.labels, this.value + other.value,
					this.count + other.count, this.sum + other.sum, this.bounds, added);
		}

		/** The buckets with these added, or null if their bounds differ. */
		@Nullable ClassicHistogramBuckets addedTo(ClassicHistogramBuckets buckets) {
			if (this.bounds == null || this.counts == null || buckets.size() != this.bounds.length) {
				return null;
			}
			long[] counts = new long[this.bounds.length];
			for (int i = 0; i < counts.length; i++) {
				if (buckets.getUpperBound(i) != this.bounds[i]) {
					return null;
				}
				counts[i] = buckets.getCount(i) + this.counts[i];
			}
			return ClassicHistogramBuckets.of(this.bounds, counts);
		}

		CounterDataPointSnapshot counterPoint() {
			return new CounterDataPointSnapshot(this.value, this.labels, null, 0);
		}

		HistogramDataPointSnapshot histogramPoint() {
			return new HistogramDataPointSnapshot(ClassicHistogramBuckets.of(this.bounds, this.counts), this.sum,
					this.labels, Exemplars.EMPTY, 0);
		}

		SummaryDataPointSnapshot summaryPoint() {
			return new SummaryDataPointSnapshot(this.count, this.sum, Quantiles.EMPTY, this.labels, Exemplars.EMPTY, 0);
		}

		MetricSnapshot family(List<Retired> points) {
			return switch (this.kind) {
				case COUNTER -> new CounterSnapshot(this.metadata, points.stream().map(Retired::counterPoint).toList());
				case HISTOGRAM ->
					new HistogramSnapshot(this.metadata, points.stream().map(Retired::histogramPoint).toList());
				case SUMMARY -> new SummarySnapshot(this.metadata, points.stream().map(Retired::summaryPoint).toList());
			};
		}

	}

}
