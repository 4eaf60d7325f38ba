package dev.bootcluster.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's application.yml says {@code cluster.workers: auto}; under a test framework the
 * starter must never fork: one context, no child process, role STANDALONE.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StandaloneUnderTestTests {

	@Autowired
	ApplicationContext context;

	@Autowired
	ClusterOperations operations;

	@Autowired
	Environment environment;

	@LocalServerPort
	int port;

	@Test
	void runsOneContextAndNoChildProcess() {
		assertThat(this.environment.getProperty("cluster.workers")).isEqualTo("auto");
		assertThat(this.operations.role()).isEqualTo(ClusterRole.STANDALONE);
		assertThat(this.environment.getProperty(ClusterRole.PROPERTY)).isEqualTo("STANDALONE");
		assertThat(ProcessHandle.current().children().filter(this::isJava).count()).isZero();
		assertThat(this.context.getParent()).isNull();
		assertThat(this.context.getBeansOfType(SampleController.class)).hasSize(1);
	}

	@Test
	void clusterEndpointShowsTheStandaloneRole() throws Exception {
		java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest
				.newBuilder(java.net.URI.create("http://127.0.0.1:" + this.port + "/actuator/cluster"))
				.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).contains("\"role\":\"STANDALONE\"")
			.contains("\"pid\":" + ProcessHandle.current().pid());
	}

	private boolean isJava(ProcessHandle handle) {
		return handle.info().command().map((command) -> command.endsWith("java")).orElse(true);
	}

}
