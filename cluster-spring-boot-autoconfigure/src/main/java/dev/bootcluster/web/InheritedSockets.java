package dev.bootcluster.web;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * The master's shared listening socket as a worker sees it: its standard input, which
 * {@link System#inheritedChannel()} returns as a {@link ServerSocketChannel}.
 */
public final class InheritedSockets {

	private InheritedSockets() {
	}

	/** The inherited listening socket, or null when standard input is not one. */
	public static @Nullable ServerSocketChannel channel() {
		try {
			Channel channel = System.inheritedChannel();
			return (channel instanceof ServerSocketChannel server) ? server : null;
		}
		catch (IOException | SecurityException ex) {
			return null;
		}
	}

	/**
	 * Checks that {@code server} accepts from the inherited socket: it is there, and the
	 * server listens on its port.
	 * @throws ClusterListenerException when it does not
	 */
	public static void verify(String server, int listeningPort) {
		ServerSocketChannel channel = channel();
		if (channel == null) {
			throw new ClusterListenerException(
					"The master's shared socket is not this worker's standard input, so " + server
							+ " cannot accept from it",
					"Start the application itself (java -jar, java -cp or mvn spring-boot:run), not through a "
							+ "wrapper that replaces standard input, or set cluster.listener=reuseport.");
		}
		int port = port(channel);
		if (port != listeningPort) {
			throw new ClusterListenerException(
					server + " listens on port " + listeningPort + ", not on the master's shared socket (port " + port
							+ ")",
					"Do not configure " + server + "'s listening socket yourself, or set cluster.listener=reuseport.");
		}
	}

	private static int port(ServerSocketChannel channel) {
		try {
			return (channel.getLocalAddress() instanceof InetSocketAddress address) ? address.getPort() : -1;
		}
		catch (IOException ex) {
			return -1;
		}
	}

}
