package dev.bootcluster.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.micrometer.metrics.actuate.endpoint.MetricsEndpoint;

import dev.bootcluster.metrics.ClusterMetricsEndpointWebExtension.AvailableTag;
import dev.bootcluster.metrics.ClusterMetricsEndpointWebExtension.Metric;
import dev.bootcluster.metrics.ClusterMetricsEndpointWebExtension.Sample;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterMetricsEndpointWebExtension}'s merge of the workers' answers
 * (each from Boot's own {@link MetricsEndpoint}, as JSON): statistics add up as Boot adds
 * the meters of one JVM, MAX is the largest, and the worker tag lists the slots.
 */
class ClusterMetricsEndpointWebExtensionTest {

	@Test
	void theWorkersMeasurementsAddUpAndTheWorkerTagListsTheSlots() {
		Map<Integer, JsonNode> answers = new LinkedHashMap<>();
		answers.put(1, answer(51, "/"));
		answers.put(2, answer(49, "/users"));
		Metric merged = ClusterMetricsEndpointWebExtension.merge(answers, List.of(3));
		assertThat(merged.name()).isEqualTo("requests");
		assertThat(merged.description()).isEqualTo("Requests served");
		assertThat(merged.measurements()).containsExactly(new Sample("COUNT", 2100));
		assertThat(merged.availableTags()).containsExactly(
				new AvailableTag("uri", Set.of("/", "/?", "/users", "/users?")),
				new AvailableTag("worker", Set.of("1", "2")));
		assertThat(merged.missingWorkers()).containsExactly(3);
	}

	@Test
	void maxIsTheLargestOfTheWorkers() {
		Map<Integer, JsonNode> answers = new LinkedHashMap<>();
		answers.put(1, json("{\"name\":\"t\",\"measurements\":[{\"statistic\":\"MAX\",\"value\":0.5}]}"));
		answers.put(2, json("{\"name\":\"t\",\"measurements\":[{\"statistic\":\"MAX\",\"value\":0.2}]}"));
		assertThat(ClusterMetricsEndpointWebExtension.merge(answers, List.of()).measurements())
			.containsExactly(new Sample("MAX", 0.5));
	}

	/** One worker's answer, as its own Boot endpoint gives it. */
	private static JsonNode answer(double count, String uri) {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		Counter.builder("requests").description("Requests served").tag("uri", uri).register(registry).increment(count);
		Counter.builder("requests")
			.description("Requests served")
			.tag("uri", uri + "?")
			.register(registry)
			.increment(1000);
		MetricsEndpoint.MetricDescriptor metric = new MetricsEndpoint(registry).metric("requests", null);
		return ClusterMetricsEndpointWebExtension.toJson(metric);
	}

	private static JsonNode json(String text) {
		return JsonMapper.builder().build().readTree(text);
	}

}
