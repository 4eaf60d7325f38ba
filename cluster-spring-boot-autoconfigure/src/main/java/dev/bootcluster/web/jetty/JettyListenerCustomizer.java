package dev.bootcluster.web.jetty;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;

import org.springframework.boot.jetty.ConfigurableJettyWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Makes Jetty (servlet or reactive) bind its server connectors with {@code SO_REUSEPORT},
 * or accept from the listening socket the master shares with every worker (Jetty's
 * {@code inheritChannel}, which takes {@link System#inheritedChannel()}). Registered in
 * the worker's main context and in its management child context (which never uses the
 * shared socket). Runs after Boot's own customizers, so the connector it sees is the
 * final one (TLS included).
 */
public class JettyListenerCustomizer implements WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory>, Ordered {

	private final boolean inheritedChannel;

	public JettyListenerCustomizer(boolean inheritedChannel) {
		this.inheritedChannel = inheritedChannel;
	}

	@Override
	public void customize(ConfigurableJettyWebServerFactory factory) {
		factory.addServerCustomizers((server) -> {
			for (Connector connector : server.getConnectors()) {
				if (connector instanceof ServerConnector serverConnector) {
					if (this.inheritedChannel) {
						serverConnector.setInheritChannel(true);
					}
					else {
						serverConnector.setReusePort(true);
					}
				}
			}
		});
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
