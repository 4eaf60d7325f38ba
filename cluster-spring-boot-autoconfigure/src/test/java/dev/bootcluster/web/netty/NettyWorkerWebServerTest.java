package dev.bootcluster.web.netty;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServer;
import org.springframework.http.client.ReactorResourceFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link NettyWorkerWebServer} on a started Reactor Netty server customized as
 * in a worker.
 */
class NettyWorkerWebServerTest {

	@Test
	void theRequestExecutorIsTheLoopsTheServersConnectionsRunOn() {
		ReactorResourceFactory resources = new ReactorResourceFactory();
		resources.setUseGlobalResources(false);
		resources.start();
		DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
		beans.registerSingleton("resources", resources);
		NettyWorkerWebServer servers = new NettyWorkerWebServer();
		NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory(0);
		new NettyListenerCustomizer(false, servers, beans.getBeanProvider(ReactorResourceFactory.class))
			.customize(factory);
		WebServer server = factory.getWebServer((request, response) -> Mono.empty());
		server.start();
		try {
			servers.verifyListener(server, false);
			Executor executor = servers.requestExecutor(server);
			assertThat(executor).isSameAs(resources.getLoopResources().onServer(true));
			CompletableFuture<Thread> ran = new CompletableFuture<>();
			executor.execute(() -> ran.complete(Thread.currentThread()));
			assertThat(ran).succeedsWithin(Duration.ofSeconds(20));
			Thread thread = ran.join();
			// on one of the server's event loops
			assertThat((EventLoopGroup) executor).anySatisfy((loop) -> assertThat(loop.inEventLoop(thread)).isTrue());
		}
		finally {
			server.stop();
			resources.stop();
		}
	}

}
