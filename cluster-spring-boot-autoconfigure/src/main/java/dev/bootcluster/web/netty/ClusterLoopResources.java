package dev.bootcluster.web.netty;

import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.function.Supplier;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * The event loops of the application's Reactor Netty server (its
 * {@code ReactorResourceFactory}'s, or Reactor's global ones), with the cluster's say
 * over the one channel Reactor Netty creates for the server to listen on: the master's
 * shared socket, or a channel of the loops' own transport (epoll, io_uring, NIO) with
 * {@code SO_REUSEPORT} set before it binds. Owns no loops: disposing it disposes nothing.
 */
class ClusterLoopResources implements LoopResources {

	private final Supplier<LoopResources> loops;

	private final @Nullable ServerSocketChannel inherited;

	/** The loops handed out for the server's connections, once it asked for them. */
	private volatile @Nullable EventLoopGroup serverLoops;

	/**
	 * @param loops the loops to run on, resolved at bind time (the resource factory
	 * starts after the web server factory is customized)
	 * @param inherited the master's shared socket to accept from, or null to bind a
	 * {@code SO_REUSEPORT} socket
	 */
	ClusterLoopResources(Supplier<LoopResources> loops, @Nullable ServerSocketChannel inherited) {
		this.loops = loops;
		this.inherited = inherited;
	}

	@Override
	@SuppressWarnings("unchecked")
	public <C extends Channel> C onChannel(Class<C> channelType, EventLoopGroup group) {
		if (channelType == io.netty.channel.socket.ServerSocketChannel.class) {
			if (this.inherited != null) {
				return (C) new InheritedNioServerSocketChannel(this.inherited);
			}
			C channel = this.loops.get().onChannel(channelType, group);
			ChannelOption<Boolean> reusePort = NettyWorkerWebServer.reusePortOption(channel);
			if (reusePort != null) {
				channel.config().setOption(reusePort, true);
			}
			return channel;
		}
		return this.loops.get().onChannel(channelType, group);
	}

	@Override
	public <C extends Channel> Class<? extends C> onChannelClass(Class<C> channelType, EventLoopGroup group) {
		return this.loops.get().onChannelClass(channelType, group);
	}

	/** Reactor Netty asks at bind time for the loops its connections run on. */
	@Override
	public EventLoopGroup onServer(boolean useNative) {
		EventLoopGroup group = this.loops.get().onServer(useNative);
		this.serverLoops = group;
		return group;
	}

	/**
	 * The loops the server's connections (and so its request handling) run on, or null
	 * before it bound.
	 */
	@Nullable EventLoopGroup serverLoops() {
		return this.serverLoops;
	}

	@Override
	public EventLoopGroup onServerSelect(boolean useNative) {
		return this.loops.get().onServerSelect(useNative);
	}

	@Override
	public EventLoopGroup onClient(boolean useNative) {
		return this.loops.get().onClient(useNative);
	}

	@Override
	public boolean daemon() {
		return this.loops.get().daemon();
	}

	@Override
	public void dispose() {
		// the loops belong to the resource factory (or Reactor's global resources)
	}

	@Override
	public Mono<Void> disposeLater() {
		return Mono.empty();
	}

	@Override
	public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
		return Mono.empty();
	}

	@Override
	public boolean isDisposed() {
		return this.loops.get().isDisposed();
	}

}
