package dev.bootcluster.web.tomcat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TomcatWorkerWebServer} on a started Tomcat.
 */
class TomcatWorkerWebServerTest {

	@Test
	void theRequestExecutorIsTheMainConnectorsThreadPool() {
		WebServer server = new TomcatServletWebServerFactory(0).getWebServer();
		server.start();
		try {
			Executor executor = new TomcatWorkerWebServer().requestExecutor(server);
			assertThat(executor).isNotNull();
			CompletableFuture<String> ran = new CompletableFuture<>();
			executor.execute(() -> ran.complete(Thread.currentThread().getName()));
			// Tomcat's request threads: http-nio-<port>-exec-<n>
			assertThat(ran).succeedsWithin(Duration.ofSeconds(20)).asString().matches("http-nio-.*-exec-\\d+");
		}
		finally {
			server.stop();
		}
	}

}
