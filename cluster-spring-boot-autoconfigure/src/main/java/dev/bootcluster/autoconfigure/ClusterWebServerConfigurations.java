package dev.bootcluster.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.client.ReactorResourceFactory;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.web.RequestTracker;
import dev.bootcluster.web.jetty.JettyListenerCustomizer;
import dev.bootcluster.web.jetty.JettyWorkerWebServer;
import dev.bootcluster.web.netty.NettyListenerCustomizer;
import dev.bootcluster.web.netty.NettyWorkerWebServer;
import dev.bootcluster.web.reactive.InFlightRequestsWebFilter;
import dev.bootcluster.web.servlet.InFlightRequestsFilter;
import dev.bootcluster.web.tomcat.TomcatListenerCustomizer;
import dev.bootcluster.web.tomcat.TomcatWorkerWebServer;

/**
 * A worker's web server support, split the way Boot splits its server modules: one
 * configuration per server, and one per kind of web application for request counting,
 * each loaded only where its classes are on the class path (nothing of the servlet API in
 * a WebFlux application, nothing of Tomcat in a Jetty one). Imported by the worker
 * configuration.
 */
final class ClusterWebServerConfigurations {

	private ClusterWebServerConfigurations() {
	}

	static boolean sharedListener(Environment environment) {
		return environment.getProperty(ClusterRole.LISTENER_PROPERTY, Boolean.class, false);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(
			name = { "org.apache.catalina.startup.Tomcat", "org.springframework.boot.tomcat.TomcatWebServer" })
	static class Tomcat {

		@Bean
		static TomcatListenerCustomizer clusterTomcatListenerCustomizer(Environment environment) {
			return new TomcatListenerCustomizer(sharedListener(environment));
		}

		@Bean
		TomcatWorkerWebServer clusterTomcatWorkerWebServer() {
			return new TomcatWorkerWebServer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(
			name = { "org.eclipse.jetty.server.ServerConnector", "org.springframework.boot.jetty.JettyWebServer" })
	static class Jetty {

		@Bean
		static JettyListenerCustomizer clusterJettyListenerCustomizer(Environment environment) {
			return new JettyListenerCustomizer(sharedListener(environment));
		}

		@Bean
		JettyWorkerWebServer clusterJettyWorkerWebServer() {
			return new JettyWorkerWebServer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(
			name = { "reactor.netty.http.server.HttpServer", "org.springframework.boot.reactor.netty.NettyWebServer",
					"org.springframework.http.client.ReactorResourceFactory" })
	static class Netty {

		@Bean
		static NettyWorkerWebServer clusterNettyWorkerWebServer() {
			return new NettyWorkerWebServer();
		}

		@Bean
		static NettyListenerCustomizer clusterNettyListenerCustomizer(Environment environment,
				NettyWorkerWebServer servers, ObjectProvider<ReactorResourceFactory> resourceFactory) {
			return new NettyListenerCustomizer(sharedListener(environment), servers, resourceFactory);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass(name = "jakarta.servlet.Filter")
	static class ServletRequests {

		@Bean
		InFlightRequestsFilter clusterInFlightRequestsFilter(RequestTracker requests) {
			return new InFlightRequestsFilter(requests);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
	static class ReactiveRequests {

		@Bean
		InFlightRequestsWebFilter clusterInFlightRequestsWebFilter(RequestTracker requests) {
			return new InFlightRequestsWebFilter(requests);
		}

	}

}
