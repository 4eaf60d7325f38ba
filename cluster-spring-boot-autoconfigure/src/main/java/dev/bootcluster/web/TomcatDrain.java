package dev.bootcluster.web;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;

import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;

/**
 * Stops a Tomcat web server from taking new connections without stopping it: every connector
 * stops its acceptor and closes its listening socket (an inherited, shared socket stays open for
 * the other workers). Requests in progress finish, and keep-alive connections close after their
 * next response.
 */
public final class TomcatDrain {

	private TomcatDrain() {
	}

	/** Closes the listeners of {@code server}, if it is a Tomcat server; returns how many. */
	public static int closeListeners(WebServer server) {
		if (!(server instanceof TomcatWebServer tomcat)) {
			return 0;
		}
		int closed = 0;
		for (Connector connector : tomcat.getTomcat().getService().findConnectors()) {
			// Not connector.pause(): a paused endpoint closes every keep-alive connection after its
			// current response, which did not say so, and the client's next request on it fails.
			connector.getProtocolHandler().closeServerSocketGraceful();
			closed++;
		}
		return closed;
	}

	/**
	 * Waits up to {@code millis} for clients to close their connections (after closing the
	 * listener, each keep-alive connection is told to close on its next response).
	 * @return the connections still open
	 */
	public static int awaitConnectionsClose(WebServer server, long millis) {
		if (!(server instanceof TomcatWebServer tomcat)) {
			return 0;
		}
		long deadline = System.nanoTime() + millis * 1_000_000;
		int open = 0;
		for (Connector connector : tomcat.getTomcat().getService().findConnectors()) {
			long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
			if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol) {
				protocol.awaitConnectionsClose(left);
				open += openConnections(protocol);
			}
		}
		return open;
	}

	private static int openConnections(AbstractProtocol<?> protocol) {
		long count = protocol.getConnectionCount();
		return (int) Math.max(0, count);
	}

}
