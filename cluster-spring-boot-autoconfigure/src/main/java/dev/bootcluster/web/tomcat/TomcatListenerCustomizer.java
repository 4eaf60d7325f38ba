package dev.bootcluster.web.tomcat;

import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Makes Tomcat (servlet or reactive) bind its connector with {@code SO_REUSEPORT}, or
 * accept from the listening socket the master shares with every worker (inherited as
 * standard input). Registered in the worker's main context and in its management child
 * context (which never uses the shared socket).
 */
public class TomcatListenerCustomizer
		implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

	private final boolean inheritedChannel;

	public TomcatListenerCustomizer(boolean inheritedChannel) {
		this.inheritedChannel = inheritedChannel;
	}

	@Override
	public void customize(ConfigurableTomcatWebServerFactory factory) {
		if (factory instanceof TomcatWebServerFactory tomcat) {
			tomcat.setProtocol(ReusePortHttp11NioProtocol.class.getName());
			if (this.inheritedChannel) {
				tomcat.addConnectorCustomizers((connector) -> connector.setProperty("useInheritedChannel", "true"));
			}
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
