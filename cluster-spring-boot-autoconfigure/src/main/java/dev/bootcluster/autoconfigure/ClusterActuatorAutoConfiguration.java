package dev.bootcluster.autoconfigure;

import java.time.Duration;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.EndpointAccessResolver;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.jackson.EndpointJsonMapper;
import org.springframework.boot.actuate.endpoint.web.WebEndpointsSupplier;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
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
import dev.bootcluster.ClusterRole;
import dev.bootcluster.actuate.ClusterEndpoint;
import dev.bootcluster.actuate.ClusterHealthIndicator;
import dev.bootcluster.actuate.ClusterMetrics;
import dev.bootcluster.actuate.WorkerEndpointRelay;
import dev.bootcluster.messaging.ClusterMessenger;
import dev.bootcluster.worker.WorkerAgent;
import dev.bootcluster.context.WorkerEndpoints;

/**
 * The {@code cluster} actuator endpoint, health indicator and metrics, in every process
 * that serves the application (workers and standalone), and in workers the relay to one
 * worker's endpoints.
 */
@AutoConfiguration(after = ClusterAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(ClusterOperations.class)
public final class ClusterActuatorAutoConfiguration {

	/**
	 * How long a worker's endpoint may take to answer another's (a heap dump: seconds).
	 */
	static final Duration WORKER_ENDPOINT_WAIT = Duration.ofSeconds(60);

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	ClusterEndpoint clusterEndpoint(ClusterOperations operations, ObjectProvider<ClusterMessenger> messenger,
			ObjectProvider<WorkerEndpointRelay> workerEndpoints, ObjectProvider<EndpointAccessResolver> access) {
		// the live page shows its controls only where POST /actuator/cluster/{action} is
		// open (management.endpoint.cluster.access, capped by
		// management.endpoints.access.max-permitted)
		return new ClusterEndpoint(operations, messenger.getIfAvailable(), workerEndpoints::getIfAvailable,
				() -> access.stream()
					.anyMatch((resolver) -> resolver.accessFor(EndpointId.of("cluster"),
							Access.READ_ONLY) == Access.UNRESTRICTED));
	}

	/**
	 * One worker's endpoints through any worker ({@code /actuator/cluster/workers/...}):
	 * in a worker, answering the others' requests from its own web endpoints.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClusterRole(ClusterRole.WORKER)
	@ConditionalOnBean(WorkerAgent.class)
	@ConditionalOnClass(WebEndpointsSupplier.class)
	@ConditionalOnAvailableEndpoint(ClusterEndpoint.class)
	static class WorkerEndpointsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		WorkerEndpoints clusterWorkerEndpoints(ObjectProvider<WebEndpointsSupplier> endpoints,
				ObjectProvider<EndpointJsonMapper> endpointJson, ObjectProvider<JsonMapper> json, WorkerAgent agent,
				ClusterProperties properties) {
			JsonMapper fallback = JsonMapper.builder().build();
			WebServerNamespace namespace = (agent.environment().managementPort() != null)
					? WebServerNamespace.MANAGEMENT : WebServerNamespace.SERVER;
			return new WorkerEndpoints(() -> endpoints.getObject().getEndpoints(), () -> {
				EndpointJsonMapper mapper = endpointJson.getIfAvailable();
				return (mapper != null) ? mapper.get() : json.getIfAvailable(() -> fallback);
			}, namespace, agent, WORKER_ENDPOINT_WAIT, properties.getIpc().getRequestTimeout());
		}

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
