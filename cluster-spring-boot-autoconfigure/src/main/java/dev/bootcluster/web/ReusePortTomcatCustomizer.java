package dev.bootcluster.web;

import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Makes Tomcat bind its connector with {@code SO_REUSEPORT}. Registered in the worker's main
 * context and in its management child context.
 */
public class ReusePortTomcatCustomizer implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

	@Override
	public void customize(ConfigurableTomcatWebServerFactory factory) {
		if (factory instanceof TomcatWebServerFactory tomcat) {
			tomcat.setProtocol(ReusePortHttp11NioProtocol.class.getName());
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
