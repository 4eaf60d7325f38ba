package dev.bootcluster.context;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.web.WebEndpointHttpMethod;
import org.springframework.boot.actuate.endpoint.web.WebOperationRequestPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link WorkerEndpoints#match}: which read operation of an endpoint a relayed
 * path selects, and its selectors' values, as actuator's web layer maps them.
 */
class WorkerEndpointsTest {

	@Test
	void theRootOperationTakesNoSegments() {
		assertThat(WorkerEndpoints.match(get("loggers"), "loggers", List.of())).isEmpty();
		assertThat(WorkerEndpoints.match(get("loggers"), "loggers", List.of("x"))).isNull();
	}

	@Test
	void aSelectorTakesOneSegment() {
		assertThat(WorkerEndpoints.match(get("loggers/{name}"), "loggers", List.of("dev.bootcluster")))
			.isEqualTo(Map.of("name", "dev.bootcluster"));
		assertThat(WorkerEndpoints.match(get("loggers/{name}"), "loggers", List.of())).isNull();
		assertThat(WorkerEndpoints.match(get("loggers/{name}"), "loggers", List.of("a", "b"))).isNull();
	}

	@Test
	void anAllRemainingSelectorTakesTheRestAndAtLeastOne() {
		WebOperationRequestPredicate health = new WebOperationRequestPredicate("health/{*path}",
				WebEndpointHttpMethod.GET, List.of(), List.of("application/json"));
		Map<String, Object> arguments = WorkerEndpoints.match(health, "health", List.of("db", "primary"));
		assertThat(arguments).containsOnlyKeys("path");
		assertThat((String[]) arguments.get("path")).containsExactly("db", "primary");
		assertThat(WorkerEndpoints.match(health, "health", List.of())).isNull();
	}

	@Test
	void aMappedRootPathIsTheEndpointsOwn() {
		assertThat(WorkerEndpoints.match(get("manage/logs/{name}"), "manage/logs", List.of("root")))
			.isEqualTo(Map.of("name", "root"));
	}

	private static WebOperationRequestPredicate get(String path) {
		return new WebOperationRequestPredicate(path, WebEndpointHttpMethod.GET, List.of(),
				List.of("application/json"));
	}

}
