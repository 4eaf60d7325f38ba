package dev.bootcluster.metrics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.ipc.IpcException;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.worker.WorkerAgent;

/**
 * What Boot's {@code PrometheusScrapeEndpoint} scrapes in a worker: the whole cluster.
 * Each scrape has the master collect every READY worker's own scrape (their registry,
 * {@link #local}) within {@code wait}, and {@link ClusterScrape#merge merges} them. When
 * the master cannot be asked (it is of an earlier version, or did not answer), the scrape
 * is this worker's own, labelled as it would be, and the other workers are counted
 * missing.
 * <p>
 * Never a bean: Micrometer's meters go to the application's own registry, which this one
 * only reads.
 */
public final class ClusterPrometheusRegistry extends PrometheusRegistry {

	private static final Log logger = LogFactory.getLog(ClusterPrometheusRegistry.class);

	private final PrometheusRegistry local;

	private final WorkerAgent agent;

	private final Duration wait;

	private final Duration timeout;

	/**
	 * Answers the master's scrape queries from {@code local}, and scrapes the cluster.
	 * @param local the worker's own registry
	 * @param agent the worker's link to its master
	 * @param wait how long the master waits for the workers' answers
	 * @param timeout how long to wait for the master's answer (beyond {@code wait})
	 */
	public ClusterPrometheusRegistry(PrometheusRegistry local, WorkerAgent agent, Duration wait, Duration timeout) {
		this.local = local;
		this.agent = agent;
		this.wait = wait;
		this.timeout = timeout;
		agent.answer(ClusterScrape.QUERY, (args) -> SnapshotJson.toJson(local.scrape()));
	}

	@Override
	public MetricSnapshots scrape() {
		return scrapeCluster((name) -> true);
	}

	@Override
	public MetricSnapshots scrape(PrometheusScrapeRequest request) {
		return scrapeCluster((name) -> true);
	}

	@Override
	public MetricSnapshots scrape(Predicate<String> includedNames) {
		return scrapeCluster(includedNames);
	}

	@Override
	public MetricSnapshots scrape(Predicate<String> includedNames, PrometheusScrapeRequest request) {
		return scrapeCluster(includedNames);
	}

	private MetricSnapshots scrapeCluster(Predicate<String> names) {
		int own = this.agent.workerId();
		Map<Integer, JsonNode> scrapes = new LinkedHashMap<>();
		int missing = 0;
		if (WorkerAgent.answeringQuery()) {
			// relayed to this worker alone (/actuator/cluster/workers/{id}/prometheus)
			scrapes.put(own, SnapshotJson.toJson(this.local.scrape()));
			return ClusterScrape.merge(scrapes, own, missing, names);
		}
		try {
			Message.Collected collected = this.agent.collect(0, ClusterScrape.QUERY,
					JsonNodeFactory.instance.objectNode(), this.wait, this.wait.plus(this.timeout));
			if (collected.error() != null) {
				throw new IpcException(collected.error());
			}
			missing = collected.missing().size();
			for (Message.Part part : collected.parts()) {
				if (part.result() != null) {
					scrapes.put(part.workerId(), part.result());
				}
				else {
					logger.debug("worker-" + part.workerId() + " left out of the scrape: " + part.error());
					missing++;
				}
			}
		}
		catch (IpcException ex) {
			logger.debug("Scraping this worker only: " + ex.getMessage());
			ClusterSnapshot status = this.agent.latestStatus();
			missing = (status != null) ? Math.max(0, status.desired() - 1) : 0;
		}
		if (!scrapes.containsKey(own)) {
			// not READY (the master asks READY workers only), or the master is not asked
			scrapes.put(own, SnapshotJson.toJson(this.local.scrape()));
		}
		return ClusterScrape.merge(scrapes, own, missing, names);
	}

}
