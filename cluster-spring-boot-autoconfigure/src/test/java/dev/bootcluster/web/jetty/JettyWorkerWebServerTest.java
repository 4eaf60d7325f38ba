package dev.bootcluster.web.jetty;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link JettyWorkerWebServer} on a started Jetty.
 */
class JettyWorkerWebServerTest {

	@Test
	void theRequestExecutorIsTheServersThreadPool() {
		WebServer server = new JettyServletWebServerFactory(0).getWebServer();
		server.start();
		try {
			Executor executor = new JettyWorkerWebServer().requestExecutor(server);
			assertThat(executor).isSameAs(((JettyWebServer) server).getServer().getThreadPool());
			CompletableFuture<Thread> ran = new CompletableFuture<>();
			executor.execute(() -> ran.complete(Thread.currentThread()));
			assertThat(ran).succeedsWithin(Duration.ofSeconds(20)).isNotSameAs(Thread.currentThread());
		}
		finally {
			server.stop();
		}
	}

}
