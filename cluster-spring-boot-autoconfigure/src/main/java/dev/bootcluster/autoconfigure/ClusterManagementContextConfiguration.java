package dev.bootcluster.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.web.jetty.JettyListenerCustomizer;
import dev.bootcluster.web.netty.NettyListenerCustomizer;
import dev.bootcluster.web.netty.NettyWorkerWebServer;
import dev.bootcluster.web.tomcat.TomcatListenerCustomizer;

/**
 * A separate management port ({@code management.server.port}) runs its own server in a
 * child context, whose web server factory sees only the child's customizers: share that
 * port with {@code SO_REUSEPORT} too (never the master's shared socket, which is the main
 * port's). One configuration per server, as in the main context.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnClusterRole(ClusterRole.WORKER)
public class ClusterManagementContextConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(
			name = { "org.apache.catalina.startup.Tomcat", "org.springframework.boot.tomcat.TomcatWebServer" })
	static class Tomcat {

		@Bean
		static TomcatListenerCustomizer clusterManagementTomcatListenerCustomizer() {
			return new TomcatListenerCustomizer(false);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(
			name = { "org.eclipse.jetty.server.ServerConnector", "org.springframework.boot.jetty.JettyWebServer" })
	static class Jetty {

		@Bean
		static JettyListenerCustomizer clusterManagementJettyListenerCustomizer() {
			return new JettyListenerCustomizer(false);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(
			name = { "reactor.netty.http.server.HttpServer", "org.springframework.boot.reactor.netty.NettyWebServer",
					"org.springframework.http.client.ReactorResourceFactory" })
	static class Netty {

		/** The worker's registry lives in the parent context, which the child sees. */
		@Bean
		static NettyListenerCustomizer clusterManagementNettyListenerCustomizer(NettyWorkerWebServer servers,
				ObjectProvider<ReactorResourceFactory> resourceFactory) {
			return new NettyListenerCustomizer(false, servers, resourceFactory);
		}

	}

}
