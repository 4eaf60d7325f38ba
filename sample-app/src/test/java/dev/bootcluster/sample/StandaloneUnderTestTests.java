package dev.bootcluster.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.messaging.ClusterMessenger;
import dev.bootcluster.messaging.StandaloneClusterMessenger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's application.yml says {@code cluster.workers: auto}; under a test framework
 * the starter must never fork: one context, no child process, role STANDALONE.
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

	@Test
	void masterBeansAndMessagingWorkInOneProcess() throws Exception {
		assertThat(this.context.getBean(ClusterMessenger.class)).isInstanceOf(StandaloneClusterMessenger.class);
		assertThat(this.context.containsBean("usersCounter")).isTrue();
		// the @ClusterMaster bean runs here (the process is master and worker at once)
		org.awaitility.Awaitility.await()
			.atMost(java.time.Duration.ofSeconds(20))
			.until(() -> get("/users/count").statusCode() == 200);
		assertThat(get("/users/count").body()).contains("\"database\":true")
			.contains("\"computedBy\":" + ProcessHandle.current().pid());
		java.net.http.HttpResponse<String> added = post("/users?name=standalone");
		assertThat(added.statusCode()).isEqualTo(200);
		assertThat(added.body()).contains("\"name\":\"standalone\"");
		java.net.http.HttpResponse<String> broadcast = post("/messages?text=local");
		assertThat(broadcast.body()).contains("\"acknowledged\":1").contains("\"targets\":1");
		assertThat(get("/messages").body()).contains("{\"text\":\"local\",\"from\":\"0\"}");
	}

	private java.net.http.HttpResponse<String> get(String path) throws Exception {
		return java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + this.port + path))
				.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
	}

	private java.net.http.HttpResponse<String> post(String path) throws Exception {
		return java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + this.port + path))
				.POST(java.net.http.HttpRequest.BodyPublishers.noBody())
				.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
	}

	private boolean isJava(ProcessHandle handle) {
		return handle.info().command().map((command) -> command.endsWith("java")).orElse(true);
	}

}
