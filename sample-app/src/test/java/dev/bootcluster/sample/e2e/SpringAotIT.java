package dev.bootcluster.sample.e2e;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application built with Spring AOT ({@code process-aot}: test-apps/jetty-app) and
 * started as its docs say, {@code java -Dspring.aot.enabled=true -jar app.jar}, with
 * {@code cluster.workers} set. The generated code is the standalone application's
 * context, which is neither the master's nor a worker's: the cluster runs without it,
 * says so once, and serves as it does without the flag.
 */
class SpringAotIT extends ClusterTestSupport {

	@Test
	void aClusterOfAnAotBuildStartedWithSpringAotEnabledRunsWithoutTheGeneratedCode()
			throws IOException, InterruptedException {
		try (ZipFile jar = new ZipFile(App.JETTY.jar().toFile())) {
			assertThat(jar.getEntry(
					"BOOT-INF/classes/dev/bootcluster/testapp/jetty/JettyApplication__ApplicationContextInitializer.class"))
				.as("the jar has Spring AOT's generated code")
				.isNotNull();
		}
		this.cluster = ClusterProcess.startWithJvmOptions(App.JETTY, List.of("-Dspring.aot.enabled=true"),
				"--server.port=0", "--server.address=127.0.0.1", "--cluster.workers=2",
				"--cluster.worker.startup-cache.enabled=false");
		this.cluster.awaitReady(2);
		assertThat(this.cluster.masterLines())
			.anySatisfy((line) -> assertThat(line).contains("Spring AOT (spring.aot.enabled=true) is not used"));
		Map<Long, Map<String, Object>> answers = this.cluster.fromEveryWorker("/");
		assertThat(answers).hasSize(2);
		for (long worker : this.cluster.workerPids()) {
			assertThat(ClusterProcess.commandLine(worker)).doesNotContain("spring.aot.enabled");
			assertThat(this.cluster.workerLines(worker))
				.noneSatisfy((line) -> assertThat(line).contains("Starting AOT-processed"));
		}
		assertThat(ClusterProcess.commandLine(this.cluster.masterPid())).contains("-Dspring.aot.enabled=true");
		assertThat(this.cluster.masterLines()).noneSatisfy((line) -> assertThat(line).contains("APPLICATION FAILED"));
	}

}
