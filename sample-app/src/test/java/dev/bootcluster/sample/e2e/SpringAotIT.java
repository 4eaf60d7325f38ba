package dev.bootcluster.sample.e2e;

import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application built with Spring AOT for cluster workers (test-apps/jetty-app:
 * {@code process-aot} with the {@code cluster-worker} profile) and started as Spring's
 * docs say, {@code java -Dspring.aot.enabled=true -jar app.jar}: its worker, and the
 * replacement of a crash, run the generated code; the master, whose context is its own,
 * does not, and says so. (Without the flag, as in every other end-to-end test, the
 * generated code is not used.)
 */
class SpringAotIT extends ClusterTestSupport {

	private static final String AOT_STARTED = "Starting AOT-processed JettyApplication";

	@Test
	void workersOfAWorkerAotBuildRunItsGeneratedCodeAndTheMasterDoesNot() throws Exception {
		try (ZipFile jar = new ZipFile(App.JETTY.jar().toFile())) {
			assertThat(jar.getEntry(
					"BOOT-INF/classes/dev/bootcluster/testapp/jetty/JettyApplication__ApplicationContextInitializer.class"))
				.as("the jar has Spring AOT's generated code")
				.isNotNull();
			assertThat(jar.getEntry("META-INF/bootcluster/worker-aot.properties"))
				.as("processed as a cluster worker's context")
				.isNotNull();
		}
		this.cluster = ClusterProcess.startWithJvmOptions(App.JETTY, List.of("-Dspring.aot.enabled=true"),
				"--server.port=0", "--server.address=127.0.0.1", "--cluster.workers=1",
				"--cluster.worker.startup-cache.enabled=false");
		this.cluster.awaitReady(1);
		assertThat(this.cluster.masterLines()).anySatisfy((line) -> assertThat(line)
			.contains("Spring AOT (spring.aot.enabled=true): the workers run the build's generated code"));
		assertThat(this.cluster.masterLines()).noneSatisfy((line) -> assertThat(line).contains(AOT_STARTED));
		List<Long> workers = this.cluster.workerPids();
		assertThat(workers).hasSize(1);
		for (long worker : workers) {
			assertThat(ClusterProcess.commandLine(worker)).contains("-Dspring.aot.enabled=true");
			assertThat(this.cluster.workerLines(worker)).anySatisfy((line) -> assertThat(line).contains(AOT_STARTED));
		}
		Map<Long, Map<String, Object>> answers = this.cluster.fromEveryWorker("/");
		assertThat(answers).containsOnlyKeys(workers);
		assertThat(this.cluster.status()).containsEntry("ready", 1);

		long victim = workers.get(0);
		ClusterProcess.signal(victim, "KILL");
		Awaitility.await().atMost(ClusterProcess.STARTUP).untilAsserted(() -> {
			List<Long> now = this.cluster.workerPids();
			assertThat(now).hasSize(1).doesNotContain(victim);
			assertThat(this.cluster.status()).containsEntry("ready", 1);
		});
		long replacement = this.cluster.workerPids()
			.stream()
			.filter((pid) -> !workers.contains(pid))
			.findFirst()
			.orElseThrow();
		assertThat(this.cluster.workerLines(replacement)).anySatisfy((line) -> assertThat(line).contains(AOT_STARTED));
		assertThat(this.cluster.fromEveryWorker("/")).containsKey(replacement);
	}

}
