package dev.bootcluster.web.netty;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;

import org.springframework.boot.reactor.netty.NettyWebServer;
import org.springframework.boot.web.server.WebServer;

import dev.bootcluster.web.ClusterListenerException;
import dev.bootcluster.web.InheritedSockets;
import dev.bootcluster.web.WorkerWebServer;

/**
 * Reactor Netty in a worker. {@code NettyWebServer} keeps its bound server to itself, so
 * the {@link NettyListenerCustomizer}s of the worker's contexts (main and management)
 * report every bound server and accepted connection here, by port. Closing the listeners
 * closes the server channel; accepted connections stay open.
 */
public class NettyWorkerWebServer implements WorkerWebServer {

	private static final String REUSE_PORT = "SO_REUSEPORT";

	/**
	 * How long to wait for a bind to be reported: Reactor Netty reports it on the event
	 * loop, which may come after {@code bindNow} returned and the server's start was
	 * announced.
	 */
	private static final long BOUND_TIMEOUT_SECONDS = 10;

	private final Map<Integer, CompletableFuture<DisposableServer>> servers = new ConcurrentHashMap<>();

	private final Map<Integer, AtomicInteger> connections = new ConcurrentHashMap<>();

	private final Map<Integer, ClusterLoopResources> loops = new ConcurrentHashMap<>();

	void bound(DisposableServer server, ClusterLoopResources resources) {
		this.loops.put(server.port(), resources);
		boundAt(server.port()).complete(server);
	}

	private CompletableFuture<DisposableServer> boundAt(int port) {
		return this.servers.computeIfAbsent(port, (key) -> new CompletableFuture<>());
	}

	void connected(Connection connection) {
		AtomicInteger open = this.connections.computeIfAbsent(localPort(connection.channel()),
				(port) -> new AtomicInteger());
		open.incrementAndGet();
		connection.onDispose(open::decrementAndGet);
	}

	@Override
	public boolean supports(WebServer server) {
		return server instanceof NettyWebServer;
	}

	@Override
	public void verifyListener(WebServer server, boolean shared) {
		Channel channel = bound(server).channel();
		if (shared) {
			if (!(channel instanceof InheritedNioServerSocketChannel)) {
				throw new ClusterListenerException(
						"Reactor Netty listens on a " + channel.getClass().getName()
								+ " of its own, not on the master's " + "shared socket",
						"Let the starter choose the server's loop resources (no HttpServer.runOn in a "
								+ "NettyServerCustomizer), or set cluster.listener=reuseport.");
			}
			InheritedSockets.verify("Reactor Netty", server.getPort());
			return;
		}
		ChannelOption<Boolean> option = reusePortOption(channel);
		if (option == null || !Boolean.TRUE.equals(channel.config().getOption(option))) {
			throw new ClusterListenerException(
					"SO_REUSEPORT is not set on Reactor Netty's listening channel (" + channel.getClass().getName()
							+ "): its transport has no such option, or Netty ignored it",
					"Use Netty's epoll or NIO transport (the default on Linux), or set cluster.listener=shared.");
		}
	}

	@Override
	public int closeListeners(WebServer server) {
		CompletableFuture<DisposableServer> bound = this.servers.get(server.getPort());
		if (bound == null || !bound.isDone()) {
			return 0;
		}
		bound.join().channel().close().syncUninterruptibly();
		return 1;
	}

	@Override
	public int openConnections(WebServer server) {
		AtomicInteger open = this.connections.get(server.getPort());
		return (open != null) ? Math.max(0, open.get()) : 0;
	}

	/**
	 * The event loops the server's connections run on (requests are handled on them), or
	 * the loop of its listening channel if those are not known.
	 */
	@Override
	public @Nullable Executor requestExecutor(WebServer server) {
		ClusterLoopResources resources = this.loops.get(server.getPort());
		Executor loops = (resources != null) ? resources.serverLoops() : null;
		if (loops != null) {
			return loops;
		}
		CompletableFuture<DisposableServer> bound = this.servers.get(server.getPort());
		return (bound != null && bound.isDone()) ? bound.join().channel().eventLoop() : null;
	}

	private DisposableServer bound(WebServer server) {
		DisposableServer bound;
		try {
			bound = boundAt(server.getPort()).get(BOUND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			bound = null;
		}
		catch (ExecutionException | TimeoutException ex) {
			bound = null;
		}
		if (bound == null) {
			throw new ClusterListenerException(
					"The starter did not see Reactor Netty bind port " + server.getPort() + " within "
							+ BOUND_TIMEOUT_SECONDS + " s (its NettyServerCustomizer was not applied)",
					"Do not replace the server factory's customizers (setServerCustomizers), or run without "
							+ "cluster.workers.");
		}
		return bound;
	}

	/**
	 * The {@code SO_REUSEPORT} option of a server channel's own transport: epoll's and
	 * io_uring's own options, NIO's through {@code NioChannelOption}; null where the
	 * transport has none.
	 */
	@SuppressWarnings("unchecked")
	static @Nullable ChannelOption<Boolean> reusePortOption(Channel channel) {
		for (ChannelOption<?> option : channel.config().getOptions().keySet()) {
			String name = option.name();
			if (name.equals(REUSE_PORT) || name.endsWith("#" + REUSE_PORT)) {
				return (ChannelOption<Boolean>) option;
			}
		}
		return null;
	}

	private static int localPort(Channel channel) {
		SocketAddress address = channel.localAddress();
		return (address instanceof InetSocketAddress inet) ? inet.getPort() : -1;
	}

}
