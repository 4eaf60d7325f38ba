package dev.bootcluster.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;
import org.springframework.boot.micrometer.metrics.actuate.endpoint.MetricsEndpoint;

import dev.bootcluster.ipc.IpcException;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.worker.WorkerAgent;

/**
 * {@code /actuator/metrics} for the whole cluster, over HTTP: the names every READY
 * worker has, and a metric's measurements over every worker (summed, as Boot's endpoint
 * sums the meters of one JVM; {@code MAX} the largest), with a {@value #WORKER_TAG} tag
 * among its available tags. {@code ?tag=worker:2} answers for worker 2 alone; the other
 * tags filter in each worker, as in one JVM. Each worker answers from Boot's own
 * {@link MetricsEndpoint}; workers that did not answer within {@code wait} are left out
 * (a metric's answer names them in {@code missingWorkers}).
 */
@EndpointWebExtension(endpoint = MetricsEndpoint.class)
public class ClusterMetricsEndpointWebExtension {

	/** The query a worker answers with its metric names. */
	static final String NAMES = "metrics.names";

	/** The query a worker answers with one metric's descriptor. */
	static final String METRIC = "metrics.metric";

	/** The tag that names a worker slot. */
	public static final String WORKER_TAG = "worker";

	private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

	private final WorkerAgent agent;

	private final Duration wait;

	private final Duration timeout;

	/** This worker's answers, by query. */
	private final Map<String, Function<JsonNode, JsonNode>> answers = new LinkedHashMap<>();

	/**
	 * Answers the master's metric queries from {@code local}, and asks the cluster.
	 * @param local Boot's endpoint of this worker
	 * @param agent the worker's link to its master
	 * @param wait how long the master waits for the workers' answers
	 * @param timeout how long to wait for the master's answer (beyond {@code wait})
	 */
	public ClusterMetricsEndpointWebExtension(MetricsEndpoint local, WorkerAgent agent, Duration wait,
			Duration timeout) {
		this.agent = agent;
		this.wait = wait;
		this.timeout = timeout;
		this.answers.put(NAMES, (args) -> {
			ArrayNode names = NODES.arrayNode();
			local.listNames().getNames().forEach(names::add);
			return names;
		});
		this.answers.put(METRIC, (args) -> {
			List<String> tags = new ArrayList<>();
			args.path("tags").forEach((tag) -> tags.add(tag.asString()));
			MetricsEndpoint.MetricDescriptor metric = local.metric(args.path("name").asString(),
					tags.isEmpty() ? null : tags);
			return (metric != null) ? toJson(metric) : NODES.nullNode();
		});
		this.answers.forEach(agent::answer);
	}

	@ReadOperation
	public WebEndpointResponse<Names> listNames() {
		Message.Collected collected = collect(0, NAMES, NODES.objectNode());
		Set<String> names = new TreeSet<>();
		for (Message.Part part : collected.parts()) {
			if (part.result() != null) {
				part.result().forEach((name) -> names.add(name.asString()));
			}
		}
		return new WebEndpointResponse<>(new Names(names));
	}

	@ReadOperation
	public WebEndpointResponse<Metric> metric(@Selector String requiredMetricName, @Nullable List<String> tag) {
		List<String> tags = new ArrayList<>();
		int target = 0;
		for (String pair : (tag != null) ? tag : List.<String>of()) {
			if (pair.startsWith(WORKER_TAG + ":")) {
				try {
					target = Integer.parseInt(pair.substring(WORKER_TAG.length() + 1));
				}
				catch (NumberFormatException ex) {
					return new WebEndpointResponse<>(WebEndpointResponse.STATUS_BAD_REQUEST);
				}
				if (target < 1) {
					return new WebEndpointResponse<>(WebEndpointResponse.STATUS_BAD_REQUEST);
				}
			}
			else {
				tags.add(pair);
			}
		}
		ObjectNode args = NODES.objectNode();
		args.put("name", requiredMetricName);
		ArrayNode tagArgs = args.putArray("tags");
		tags.forEach(tagArgs::add);
		Message.Collected collected = collect(target, METRIC, args);
		Map<Integer, JsonNode> found = new TreeMap<>();
		for (Message.Part part : collected.parts()) {
			if (part.result() != null && part.result().isObject()) {
				found.put(part.workerId(), part.result());
			}
		}
		if (found.isEmpty()) {
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
		}
		return new WebEndpointResponse<>(merge(found, collected.missing()));
	}

	private Message.Collected collect(int target, String query, JsonNode args) {
		if (WorkerAgent.answeringQuery()) {
			// relayed to this worker alone (/actuator/cluster/workers/{id}/metrics)
			return own(query, args);
		}
		try {
			Message.Collected collected = this.agent.collect(target, query, args, this.wait,
					this.wait.plus(this.timeout));
			if (collected.error() != null && target == 0) {
				throw new IpcException(collected.error());
			}
			return collected;
		}
		catch (IpcException ex) {
			if (target != 0 && target != this.agent.workerId()) {
				throw ex;
			}
			// the master relays no queries: this worker's own answer
			return own(query, args);
		}
	}

	private Message.Collected own(String query, JsonNode args) {
		JsonNode own = this.answers.get(query).apply(args);
		return new Message.Collected(0,
				List.of(new Message.Part(this.agent.workerId(), ProcessHandle.current().pid(), own, null)), List.of(),
				null);
	}

	static JsonNode toJson(MetricsEndpoint.MetricDescriptor metric) {
		ObjectNode json = NODES.objectNode();
		json.put("name", metric.getName());
		json.put("description", metric.getDescription());
		json.put("baseUnit", metric.getBaseUnit());
		ArrayNode measurements = json.putArray("measurements");
		for (MetricsEndpoint.Sample sample : metric.getMeasurements()) {
			ObjectNode measurement = measurements.addObject();
			measurement.put("statistic", sample.getStatistic().name());
			measurement.put("value", sample.getValue());
		}
		ArrayNode tags = json.putArray("availableTags");
		for (MetricsEndpoint.AvailableTag available : metric.getAvailableTags()) {
			ObjectNode tag = tags.addObject();
			tag.put("tag", available.getTag());
			ArrayNode values = tag.putArray("values");
			available.getValues().forEach(values::add);
		}
		return json;
	}

	/** The workers' descriptors of one metric as one, with the worker tag. */
	static Metric merge(Map<Integer, JsonNode> bySlot, List<Integer> missing) {
		JsonNode first = bySlot.values().iterator().next();
		Map<String, Double> measurements = new LinkedHashMap<>();
		Map<String, Set<String>> tags = new TreeMap<>();
		bySlot.forEach((slot, metric) -> {
			for (JsonNode measurement : metric.path("measurements")) {
				String statistic = measurement.path("statistic").asString();
				double value = measurement.path("value").asDouble();
				measurements.merge(statistic, value, "MAX".equals(statistic) ? Double::max : Double::sum);
			}
			for (JsonNode tag : metric.path("availableTags")) {
				Set<String> values = tags.computeIfAbsent(tag.path("tag").asString(), (name) -> new TreeSet<>());
				tag.path("values").forEach((value) -> values.add(value.asString()));
			}
			tags.computeIfAbsent(WORKER_TAG, (name) -> new TreeSet<>()).add(Integer.toString(slot));
		});
		List<Sample> samples = new ArrayList<>();
		measurements.forEach((statistic, value) -> samples.add(new Sample(statistic, value)));
		List<AvailableTag> available = new ArrayList<>();
		tags.forEach((tag, values) -> available.add(new AvailableTag(tag, values)));
		return new Metric(first.path("name").asString(), textOrNull(first, "description"),
				textOrNull(first, "baseUnit"), samples, available, missing);
	}

	private static @Nullable String textOrNull(JsonNode json, String field) {
		JsonNode value = json.get(field);
		return (value != null && !value.isNull()) ? value.asString() : null;
	}

	/** The metric names of the whole cluster. */
	public record Names(Set<String> names) implements OperationResponseBody {
	}

	/**
	 * A metric over the workers that answered, in the shape of Boot's descriptor, and the
	 * slots of those that did not.
	 */
	public record Metric(String name, @Nullable String description, @Nullable String baseUnit,
			List<Sample> measurements, List<AvailableTag> availableTags,
			List<Integer> missingWorkers) implements OperationResponseBody {
	}

	/** One statistic. */
	public record Sample(String statistic, double value) {
	}

	/** A tag and the values the answering workers have for it. */
	public record AvailableTag(String tag, Set<String> values) {
	}

}
