package dev.bootcluster.web;

import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.web.server.WebServer;

/**
 * What a cluster worker needs of its embedded web server, one implementation per server
 * (Tomcat, Jetty, Reactor Netty), each registered only where its server is on the class
 * path. How the server shares the port (a {@code SO_REUSEPORT} socket of its own, or the
 * master's socket inherited as standard input) is set by the implementation's factory
 * customizer; this interface checks it after the bind and takes part in the drain.
 */
public interface WorkerWebServer {

	/** Whether this implementation drives {@code server}. */
	boolean supports(WebServer server);

	/**
	 * Checks, once the server has bound, that it listens as the cluster needs: the
	 * master's shared socket, or a socket of its own with {@code SO_REUSEPORT} set
	 * (servers swallow a socket option they could not set).
	 * @param server a server this implementation {@linkplain #supports supports}
	 * @param shared whether it should accept from the master's shared socket
	 * @throws ClusterListenerException when it does not
	 */
	void verifyListener(WebServer server, boolean shared);

	/**
	 * Stops accepting and closes the server's listening sockets (a shared socket only in
	 * this process: the other workers keep accepting from it). Requests in progress go
	 * on, and keep-alive connections stay open until their clients close them.
	 * @return how many listeners were closed
	 */
	int closeListeners(WebServer server);

	/** Connections the server still has open (in progress or idle keep-alive). */
	int openConnections(WebServer server);

	/**
	 * What runs the server's request handling (its request thread pool, or its event
	 * loops), for a heartbeat to prove that it still runs tasks: a task submitted here
	 * waits, as a request would, while every request thread is busy or stuck.
	 * @param server a started server this implementation {@linkplain #supports supports}
	 * @return the executor, or null when the server has none to share
	 */
	@Nullable Executor requestExecutor(WebServer server);

}
