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

	/**
	 * Once the listener is closed (a drain), Tomcat's own connection count says -1: the
	 * open connections are counted from the endpoint instead, so that the drain waits for
	 * a keep-alive client, or one accepted just before the close, to finish.
	 */
	@Test
	void openConnectionsAreCountedAfterTheListenerClosed() throws Exception {
		TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory(0);
		factory.setProtocol(ReusePortHttp11NioProtocol.class.getName());
		WebServer server = factory.getWebServer();
		server.start();
		TomcatWorkerWebServer kind = new TomcatWorkerWebServer();
		try (java.net.Socket client = new java.net.Socket("127.0.0.1", server.getPort())) {
			client.getOutputStream()
				.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
					.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			// the answer (a 404 here) came, and the connection stays open for the next
			// one
			assertThat(client.getInputStream().read()).isEqualTo('H');
			org.awaitility.Awaitility.await()
				.atMost(Duration.ofSeconds(20))
				.until(() -> kind.openConnections(server) == 1);
			assertThat(kind.closeListeners(server)).isEqualTo(1);
			// this client's, and perhaps Tomcat's own wake-up connection to its acceptor,
			// which it closes at once
			assertThat(kind.openConnections(server)).as("open connections once the listener closed").isPositive();
		}
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> kind.openConnections(server) == 0);
		server.stop();
	}

}
