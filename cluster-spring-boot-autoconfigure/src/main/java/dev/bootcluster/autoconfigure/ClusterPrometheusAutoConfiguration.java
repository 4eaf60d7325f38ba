package dev.bootcluster.autoconfigure;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.ConditionalOnEnabledMetricsExport;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusScrapeEndpoint;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.metrics.ClusterPrometheusRegistry;
import dev.bootcluster.worker.WorkerAgent;

/**
 * Cluster-wide metrics in a worker: {@code /actuator/prometheus} answers with every
 * worker's series, collected through the master (Boot's own
 * {@link PrometheusScrapeEndpoint}, text, OpenMetrics and protobuf, over a
 * {@link ClusterPrometheusRegistry}). Runs before Boot's Prometheus export
 * auto-configuration, whose endpoint then backs off; the meters stay in Boot's registry.
 * {@code cluster.metrics.aggregate=false} leaves each worker answering for itself.
 */
@AutoConfiguration(after = ClusterAutoConfiguration.class,
		beforeName = "org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration")
@ConditionalOnClusterRole(ClusterRole.WORKER)
@ConditionalOnBean(WorkerAgent.class)
@ConditionalOnBooleanProperty(name = "cluster.metrics.aggregate", matchIfMissing = true)
public final class ClusterPrometheusAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ PrometheusScrapeEndpoint.class, PrometheusRegistry.class, PrometheusConfig.class })
	@ConditionalOnEnabledMetricsExport("prometheus")
	@ConditionalOnAvailableEndpoint(PrometheusScrapeEndpoint.class)
	static class PrometheusConfiguration {

		@Bean
		@ConditionalOnMissingBean
		PrometheusScrapeEndpoint prometheusEndpoint(PrometheusRegistry prometheusRegistry,
				PrometheusConfig prometheusConfig, WorkerAgent agent, ClusterProperties properties) {
			ClusterPrometheusRegistry cluster = new ClusterPrometheusRegistry(prometheusRegistry, agent,
					properties.getMetrics().getScrapeWait(), properties.getIpc().getRequestTimeout());
			return new PrometheusScrapeEndpoint(cluster, prometheusConfig.prometheusProperties());
		}

	}

}
