package dev.bootcluster.web;

import org.apache.catalina.connector.Connector;

import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;

/**
 * Stops a Tomcat web server from taking new connections without stopping it: every connector
 * pauses its acceptor and closes its listening socket (an inherited, shared socket stays open for
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
			connector.pause();
			connector.getProtocolHandler().closeServerSocketGraceful();
			closed++;
		}
		return closed;
	}

}
