package dev.bootcluster.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.logging.LoggersEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.logging.LoggerGroups;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.logging.BroadcastingLoggingSystem;
import dev.bootcluster.logging.ClusterLogLevel;
import dev.bootcluster.logging.ClusterLogLevels;
import dev.bootcluster.messaging.ClusterMessenger;

/**
 * Logger levels for the whole cluster: in a worker, a level set through
 * {@code /actuator/loggers} (on whatever worker the connection landed) is broadcast to
 * every worker and retained by the master, so workers started later (crash replacements,
 * rolling restarts) start with it too. A STANDALONE application keeps Boot's endpoint.
 * Runs before Boot's {@code LoggersEndpointAutoConfiguration}, whose endpoint then backs
 * off. A level set on a logger group reaches the other workers as levels of the group's
 * members (their group itself shows no configured level).
 */
@AutoConfiguration(after = ClusterAutoConfiguration.class,
		beforeName = "org.springframework.boot.actuate.autoconfigure.logging.LoggersEndpointAutoConfiguration")
@ConditionalOnClusterRole(ClusterRole.WORKER)
@ConditionalOnBean({ LoggingSystem.class, ClusterMessenger.class })
public final class ClusterLoggersAutoConfiguration {

	@Bean
	ClusterLogLevels clusterLogLevels(LoggingSystem loggingSystem) {
		return new ClusterLogLevels(loggingSystem);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(LoggersEndpoint.class)
	@ConditionalOnAvailableEndpoint(LoggersEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LoggersEndpoint loggersEndpoint(LoggingSystem loggingSystem,
				ObjectProvider<LoggerGroups> springBootLoggerGroups, ClusterMessenger messenger) {
			BroadcastingLoggingSystem broadcasting = new BroadcastingLoggingSystem(loggingSystem,
					(ClusterLogLevel change) -> messenger.publish(change.topic(), change, true));
			return new LoggersEndpoint(broadcasting, springBootLoggerGroups.getIfAvailable(LoggerGroups::new));
		}

	}

}
