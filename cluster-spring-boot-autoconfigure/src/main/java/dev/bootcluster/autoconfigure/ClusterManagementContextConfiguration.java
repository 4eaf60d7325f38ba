package dev.bootcluster.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.web.ReusePortTomcatCustomizer;

/**
 * A separate management port ({@code management.server.port}) runs its own Tomcat in a child
 * context, whose web server factory sees only the child's customizers: share that port with
 * {@code SO_REUSEPORT} too.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnClusterRole(ClusterRole.WORKER)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "org.apache.catalina.startup.Tomcat")
public class ClusterManagementContextConfiguration {

	@Bean
	static ReusePortTomcatCustomizer clusterManagementReusePortTomcatCustomizer() {
		return new ReusePortTomcatCustomizer(false);
	}

}
