package dev.bootcluster.web.netty;

import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;

import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * A Netty server channel over the master's shared listening socket, which is bound
 * already: Reactor Netty binds every server channel it creates, so the bind of a bound
 * socket is skipped.
 */
class InheritedNioServerSocketChannel extends NioServerSocketChannel {

	InheritedNioServerSocketChannel(ServerSocketChannel inherited) {
		super(inherited);
	}

	@Override
	protected void doBind(SocketAddress localAddress) throws Exception {
		if (javaChannel().socket().isBound()) {
			return;
		}
		super.doBind(localAddress);
	}

}
