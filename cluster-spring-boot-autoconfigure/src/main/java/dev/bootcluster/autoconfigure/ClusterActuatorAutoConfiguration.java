package dev.bootcluster.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.binder.MeterBinder;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.actuate.ClusterEndpoint;
import dev.bootcluster.actuate.ClusterHealthIndicator;
import dev.bootcluster.actuate.ClusterMetrics;
import dev.bootcluster.messaging.ClusterMessenger;

/**
 * The {@code cluster} actuator endpoint, health indicator and metrics, in every process
 * that serves the application (workers and standalone).
 */
@AutoConfiguration(after = ClusterAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(ClusterOperations.class)
public final class ClusterActuatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	ClusterEndpoint clusterEndpoint(ClusterOperations operations, ObjectProvider<ClusterMessenger> messenger) {
		return new ClusterEndpoint(operations, messenger.getIfAvailable());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	@ConditionalOnEnabledHealthIndicator("cluster")
	static class HealthConfiguration {

		/**
		 * Answers from the status the master pushes after every heartbeat; stale after
		 * three heartbeat intervals (at least 5 s).
		 */
		@Bean
		@ConditionalOnMissingBean(name = "clusterHealthIndicator")
		ClusterHealthIndicator clusterHealthIndicator(ClusterOperations operations, ClusterProperties properties) {
			return new ClusterHealthIndicator(operations,
					ClusterTimeoutSettings.statusStaleAfter(properties.getIpc().getHeartbeatInterval()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ClusterMetrics clusterMetrics(ClusterOperations operations) {
			return new ClusterMetrics(operations);
		}

	}

}
