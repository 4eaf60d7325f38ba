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

}
