package dev.bootcluster.web.tomcat;

import java.util.concurrent.Executor;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.ProtocolHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;

import dev.bootcluster.web.ClusterListenerException;
import dev.bootcluster.web.InheritedSockets;
import dev.bootcluster.web.WorkerWebServer;

/**
 * Tomcat in a worker. Closing the listeners stops every connector's acceptor and closes
 * its listening socket (an inherited, shared socket stays open for the other workers)
 * without pausing the connector: requests in progress finish, and keep-alive connections
 * close after their next response.
 */
public class TomcatWorkerWebServer implements WorkerWebServer {

	@Override
	public boolean supports(WebServer server) {
		return server instanceof TomcatWebServer;
	}

	@Override
	public void verifyListener(WebServer server, boolean shared) {
		for (Connector connector : connectors(server)) {
			ProtocolHandler handler = connector.getProtocolHandler();
			if (!(handler instanceof ReusePortHttp11NioProtocol)) {
				throw new ClusterListenerException(
						"Tomcat's connector on port " + connector.getPort() + " uses " + handler.getClass().getName()
								+ ", not the starter's SO_REUSEPORT NIO protocol, so the workers cannot share its port",
						"Let the starter choose the connector protocol (remove the custom protocol or the "
								+ "additional connector from the Tomcat configuration), or run without cluster.workers.");
			}
		}
		if (shared) {
			Connector main = ((TomcatWebServer) server).getTomcat().getConnector();
			InheritedSockets.verify("Tomcat", main.getLocalPort());
		}
	}

	@Override
	public int closeListeners(WebServer server) {
		int closed = 0;
		for (Connector connector : connectors(server)) {
			// Not connector.pause(): a paused endpoint closes every keep-alive connection
			// after its current response, which did not say so, and the client's next
			// request on it fails.
			connector.getProtocolHandler().closeServerSocketGraceful();
			closed++;
		}
		return closed;
	}

	@Override
	public int openConnections(WebServer server) {
		long open = 0;
		for (Connector connector : connectors(server)) {
			if (connector.getProtocolHandler() instanceof ReusePortHttp11NioProtocol protocol) {
				open += protocol.openConnections();
			}
			else if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol) {
				open += Math.max(0, protocol.getConnectionCount());
			}
		}
		return (int) open;
	}

	/** The main connector's executor: its request threads (or virtual threads). */
	@Override
	public @Nullable Executor requestExecutor(WebServer server) {
		return ((TomcatWebServer) server).getTomcat().getConnector().getProtocolHandler().getExecutor();
	}

	private static Connector[] connectors(WebServer server) {
		return ((TomcatWebServer) server).getTomcat().getService().findConnectors();
	}

}
