package dev.bootcluster.web.jetty;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.web.server.WebServer;

import dev.bootcluster.web.ClusterListenerException;
import dev.bootcluster.web.InheritedSockets;
import dev.bootcluster.web.WorkerWebServer;

/**
 * Jetty in a worker. Closing the listeners first stops the connectors accepting (so no
 * acceptor spins on a closed channel, and a selector-based acceptor stops selecting it),
 * then closes their listening channels; connections already accepted stay open.
 */
public class JettyWorkerWebServer implements WorkerWebServer {

	@Override
	public boolean supports(WebServer server) {
		return server instanceof JettyWebServer;
	}

	@Override
	public void verifyListener(WebServer server, boolean shared) {
		List<ServerConnector> connectors = connectors(server);
		for (ServerConnector connector : connectors) {
			if (!(connector.getTransport() instanceof ServerSocketChannel channel)) {
				throw new ClusterListenerException(
						"Jetty's connector " + connector + " has no TCP listening channel the workers can share",
						"Use Jetty's plain ServerConnector (HTTP or HTTPS over TCP), or run without cluster.workers.");
			}
			if (shared) {
				InheritedSockets.verify("Jetty", connector.getLocalPort());
				if (channel != InheritedSockets.channel()) {
					throw new ClusterListenerException(
							"Jetty bound a socket of its own instead of the master's shared one",
							"Report this as a bug of the starter, and set cluster.listener=reuseport meanwhile.");
				}
			}
			else if (!reusePort(channel)) {
				throw new ClusterListenerException(
						"SO_REUSEPORT is not set on Jetty's listening socket on port " + connector.getLocalPort()
								+ " (Jetty ignores a socket option it cannot set)",
						"Run on Linux with a JDK that supports SO_REUSEPORT, or set cluster.listener=shared.");
			}
		}
	}

	private static boolean reusePort(ServerSocketChannel channel) {
		try {
			return channel.getOption(StandardSocketOptions.SO_REUSEPORT);
		}
		catch (IOException | UnsupportedOperationException ex) {
			return false;
		}
	}

	@Override
	public int closeListeners(WebServer server) {
		int closed = 0;
		for (ServerConnector connector : connectors(server)) {
			// not accepting first: a blocking acceptor would spin on the closed channel
			// otherwise
			connector.setAccepting(false);
			if (connector.getTransport() instanceof ServerSocketChannel channel) {
				try {
					channel.close();
					closed++;
				}
				catch (IOException ex) {
					// already closed
				}
			}
		}
		return closed;
	}

	@Override
	public int openConnections(WebServer server) {
		int open = 0;
		for (ServerConnector connector : connectors(server)) {
			open += connector.getConnectedEndPoints().size();
		}
		return open;
	}

	/** The server's thread pool, which runs every connector's requests. */
	@Override
	public @Nullable Executor requestExecutor(WebServer server) {
		return ((JettyWebServer) server).getServer().getThreadPool();
	}

	private static List<ServerConnector> connectors(WebServer server) {
		List<ServerConnector> connectors = new ArrayList<>();
		for (Connector connector : ((JettyWebServer) server).getServer().getConnectors()) {
			if (connector instanceof ServerConnector serverConnector) {
				connectors.add(serverConnector);
			}
		}
		return connectors;
	}

}
