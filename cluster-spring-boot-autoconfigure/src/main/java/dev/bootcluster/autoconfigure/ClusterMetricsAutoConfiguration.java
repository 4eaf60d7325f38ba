package dev.bootcluster.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.metrics.actuate.endpoint.MetricsEndpoint;
import org.springframework.context.annotation.Bean;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.metrics.ClusterMetricsEndpointWebExtension;
import dev.bootcluster.worker.WorkerAgent;

/**
 * {@code /actuator/metrics} for the whole cluster in a worker: a web extension of Boot's
 * {@link MetricsEndpoint} that asks every worker's own endpoint through the master. After
 * Boot's {@code MetricsEndpointAutoConfiguration}, whose endpoint it extends.
 * {@code cluster.metrics.aggregate=false} leaves each worker answering for itself.
 */
@AutoConfiguration(after = ClusterAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsEndpointAutoConfiguration")
@ConditionalOnClusterRole(ClusterRole.WORKER)
@ConditionalOnClass(MetricsEndpoint.class)
@ConditionalOnBean({ WorkerAgent.class, MetricsEndpoint.class })
@ConditionalOnAvailableEndpoint(MetricsEndpoint.class)
@ConditionalOnBooleanProperty(name = "cluster.metrics.aggregate", matchIfMissing = true)
public final class ClusterMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ClusterMetricsEndpointWebExtension clusterMetricsEndpointWebExtension(MetricsEndpoint metricsEndpoint,
			WorkerAgent agent, ClusterProperties properties) {
		return new ClusterMetricsEndpointWebExtension(metricsEndpoint, agent, properties.getMetrics().getScrapeWait(),
				properties.getIpc().getRequestTimeout());
	}

}
