package dev.bootcluster.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ClusterScrape} and {@link MetricsLedger}: the workers' scrapes merge
 * into one with a worker label, the starter's own families once, the missing workers in a
 * gauge; the master's ledger keeps a slot's counters going across its processes.
 */
class ClusterScrapeTest {

	@Test
	void everyWorkersSeriesGetsItsSlotAndTheClusterFamiliesComeOnceFromTheAskingWorker() {
		Map<Integer, JsonNode> scrapes = new LinkedHashMap<>();
		scrapes.put(1, json(counter("http_requests", 51, "uri", "/"), gauge("cluster_workers_ready", 2)));
		scrapes.put(2, json(counter("http_requests", 49, "uri", "/"), gauge("cluster_workers_ready", 1)));
		MetricSnapshots merged = ClusterScrape.merge(scrapes, 2, 0, (name) -> true);

		CounterSnapshot requests = (CounterSnapshot) byName(merged, "http_requests");
		assertThat(requests.getDataPoints()).extracting(CounterDataPointSnapshot::getLabels)
			.containsExactlyInAnyOrder(Labels.of("uri", "/", "worker", "1"), Labels.of("uri", "/", "worker", "2"));
		assertThat(requests.getDataPoints().stream().mapToDouble(CounterDataPointSnapshot::getValue).sum())
			.isEqualTo(100);
		GaugeSnapshot ready = (GaugeSnapshot) byName(merged, "cluster_workers_ready");
		assertThat(ready.getDataPoints()).extracting(GaugeDataPointSnapshot::getValue).containsExactly(1.0);
		assertThat((Object) ready.getDataPoints().get(0).getLabels()).isEqualTo(Labels.EMPTY);
		assertThat(missing(merged)).isZero();
	}

	@Test
	void workersLeftOutAreCountedAndAnAppsOwnWorkerLabelIsKept() {
		Map<Integer, JsonNode> scrapes = Map.of(3, json(counter("jobs", 4, "worker", "pool-1")));
		MetricSnapshots merged = ClusterScrape.merge(scrapes, 3, 2, (name) -> true);
		assertThat((Object) ((CounterSnapshot) byName(merged, "jobs")).getDataPoints().get(0).getLabels())
			.isEqualTo(Labels.of("cluster_worker", "3", "worker", "pool-1"));
		assertThat(missing(merged)).isEqualTo(2);
	}

	@Test
	void theNameFilterIsAskedWithTheSampleNamesAsBootsEndpointPassesThem() {
		Map<Integer, JsonNode> scrapes = Map.of(1,
				json(counter("http_requests", 1, "uri", "/"), gauge("heap_used", 5), gauge("threads", 3)));
		MetricSnapshots merged = ClusterScrape.merge(scrapes, 1, 0,
				List.of("http_requests_total", "threads")::contains);
		assertThat(merged.stream().map((family) -> family.getMetadata().getName())).containsExactly("http_requests",
				"threads");
	}

	@Test
	void aFamilyOfAnotherTypeInAWorkerOfAnotherBuildKeepsTheFirst() {
		Map<Integer, JsonNode> scrapes = new LinkedHashMap<>();
		scrapes.put(1, json(counter("things", 1, "a", "b")));
		scrapes.put(2, json(gauge("things", 9)));
		MetricSnapshots merged = ClusterScrape.merge(scrapes, 1, 0, (name) -> true);
		assertThat(byName(merged, "things")).isInstanceOf(CounterSnapshot.class);
		assertThat(byName(merged, "things").getDataPoints()).hasSize(1);
	}

	@Test
	void aScrapeThatIsNotAnArrayIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(
					() -> ClusterScrape.merge(Map.of(1, JsonNodeFactory.instance.objectNode()), 1, 0, (name) -> true))
			.withMessageContaining("worker-1");
	}

	@Test
	void theLedgerAddsWhatASlotsEarlierProcessesCountedButNeverToTheClusterFamilies() {
		MetricsLedger ledger = new MetricsLedger();
		ledger.handle(1, 101, json(counter("http_requests", 51, "uri", "/"), counter("cluster_restarts", 4)));
		// the process is replaced: a crash or a rolling restart
		ledger.processGone(1, 101);
		MetricSnapshots reported = SnapshotJson.fromJson(
				ledger.handle(1, 102, json(counter("http_requests", 3, "uri", "/"), counter("cluster_restarts", 5))));
		assertThat(value(reported, "http_requests")).isEqualTo(54);
		assertThat(value(reported, "cluster_restarts")).isEqualTo(5);
		// another slot's totals are its own; a process that never answered retires
		// nothing
		ledger.processGone(2, 201);
		MetricSnapshots other = SnapshotJson
			.fromJson(ledger.handle(2, 202, json(counter("http_requests", 7, "uri", "/"))));
		assertThat(value(other, "http_requests")).isEqualTo(7);
	}

	@Test
	void aSlotWithoutAProcessToAskKeepsItsRetiredSeries() {
		MetricsLedger ledger = new MetricsLedger();
		ledger.handle(1, 101, json(counter("http_requests", 51, "uri", "/"), gauge("heap", 9)));
		ledger.handle(2, 201, json(counter("http_requests", 49, "uri", "/")));
		assertThat(ledger.withoutProcess(Set.of(1, 2))).isEmpty();
		ledger.processGone(1, 101);
		// slot 1's replacement is starting: not asked, reported with what it retired
		Map<Integer, JsonNode> retiredOnly = ledger.withoutProcess(Set.of(2));
		assertThat(retiredOnly).containsOnlyKeys(1);
		MetricSnapshots slotOne = SnapshotJson.fromJson(retiredOnly.get(1));
		assertThat(value(slotOne, "http_requests")).isEqualTo(51);
		assertThat(slotOne.stream().map((family) -> family.getMetadata().getName())).containsExactly("http_requests");
	}

	private static JsonNode json(MetricSnapshot... families) {
		return SnapshotJson.toJson(MetricSnapshots.of(families));
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

	private static MetricSnapshot byName(MetricSnapshots snapshots, String name) {
		return snapshots.stream()
			.filter((family) -> family.getMetadata().getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no family " + name));
	}

	private static double missing(MetricSnapshots merged) {
		return ((GaugeSnapshot) byName(merged, ClusterScrape.MISSING)).getDataPoints().get(0).getValue();
	}

	private static double value(MetricSnapshots snapshots, String name) {
		return ((CounterSnapshot) byName(snapshots, name)).getDataPoints().get(0).getValue();
	}

}
