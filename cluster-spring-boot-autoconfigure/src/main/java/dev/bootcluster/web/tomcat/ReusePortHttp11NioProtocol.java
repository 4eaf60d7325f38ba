package dev.bootcluster.web.tomcat;

import org.apache.coyote.http11.Http11NioProtocol;

/**
 * Tomcat's HTTP/1.1 NIO protocol on a {@link ReusePortNioEndpoint}. Tomcat instantiates
 * it by class name, hence the public no-argument constructor.
 */
public class ReusePortHttp11NioProtocol extends Http11NioProtocol {

	public ReusePortHttp11NioProtocol() {
		super(new ReusePortNioEndpoint());
	}

	/**
	 * The connections the endpoint has now, counted from its connection map. Not
	 * {@code getConnectionCount()}: Tomcat drops its connection latch when the listener
	 * closes gracefully, after which that count is -1 however many connections are open,
	 * and a drain would not wait for the last ones (a connection accepted just before the
	 * close, its request not read yet, was cut when the worker exited).
	 */
	public int openConnections() {
		return getEndpoint().getConnections().size();
	}

}
