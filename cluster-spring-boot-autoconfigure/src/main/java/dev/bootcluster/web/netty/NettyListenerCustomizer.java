package dev.bootcluster.web.netty;

import java.nio.channels.ServerSocketChannel;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.util.function.SingletonSupplier;

import dev.bootcluster.web.InheritedSockets;

/**
 * Makes Reactor Netty listen with {@code SO_REUSEPORT} or on the master's shared socket,
 * and report what it binds and accepts to the {@link NettyWorkerWebServer}. Reactor Netty
 * has no inherited-channel API, so the server runs on {@link ClusterLoopResources}, which
 * hand it the listening channel: Boot's factory would run the server on its resource
 * factory's loops, replacing them, so the factory is given none and the same loops come
 * through {@code ClusterLoopResources}. A shared socket is a JDK channel, which only
 * Netty's NIO transport can accept from, so a server on it runs on the NIO loops of the
 * same resources. Registered in the worker's main context and in its management child
 * context (which never uses the shared socket).
 */
public class NettyListenerCustomizer implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

	private final boolean inheritedChannel;

	private final NettyWorkerWebServer servers;

	private final ObjectProvider<ReactorResourceFactory> resourceFactory;

	public NettyListenerCustomizer(boolean inheritedChannel, NettyWorkerWebServer servers,
			ObjectProvider<ReactorResourceFactory> resourceFactory) {
		this.inheritedChannel = inheritedChannel;
		this.servers = servers;
		this.resourceFactory = resourceFactory;
	}

	@Override
	public void customize(NettyReactiveWebServerFactory factory) {
		Supplier<LoopResources> loops = SingletonSupplier.of(this::loops);
		@Nullable ServerSocketChannel inherited = this.inheritedChannel ? InheritedSockets.channel() : null;
		factory.setResourceFactory(null);
		factory.addServerCustomizers((server) -> {
			ClusterLoopResources resources = new ClusterLoopResources(loops, inherited);
			return ((inherited != null) ? server.runOn(resources, false) : server.runOn(resources))
				.doOnBound((bound) -> this.servers.bound(bound, resources))
				.doOnConnection(this.servers::connected);
		});
	}

	private LoopResources loops() {
		ReactorResourceFactory factory = this.resourceFactory.getIfAvailable();
		LoopResources loops = (factory != null) ? factory.getLoopResources() : null;
		return (loops != null) ? loops : HttpResources.get();
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
