package dev.bootcluster.sample;

import org.apache.catalina.connector.Connector;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code --sample.redirect-port=N} adds a second plain Tomcat connector, as apps do to
 * redirect HTTP to HTTPS: a listener the workers cannot share, for demonstrating that the
 * cluster refuses it at once (every worker exits as misconfigured and the master stops)
 * instead of a crash loop.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("sample.redirect-port")
class RedirectConnector {

	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> redirectConnectorCustomizer(
			org.springframework.core.env.Environment environment) {
		int port = environment.getRequiredProperty("sample.redirect-port", Integer.class);
		return (factory) -> {
			Connector connector = new Connector(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
			connector.setPort(port);
			factory.addAdditionalConnectors(connector);
		};
	}

}
