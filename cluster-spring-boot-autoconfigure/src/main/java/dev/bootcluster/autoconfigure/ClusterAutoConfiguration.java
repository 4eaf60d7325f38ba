package dev.bootcluster.autoconfigure;

import java.time.Duration;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

import org.springframework.util.ClassUtils;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterStore;
import dev.bootcluster.context.ClusterMessageDelivery;
import dev.bootcluster.context.ListenPorts;
import dev.bootcluster.context.MasterLaunch;
import dev.bootcluster.context.MasterRunner;
import dev.bootcluster.context.StandaloneClusterOperations;
import dev.bootcluster.context.WorkerDrain;
import dev.bootcluster.context.WorkerReadinessBridge;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.metrics.MetricsLedger;
import dev.bootcluster.master.ClusterTimeouts;
import dev.bootcluster.master.LocalClusterStore;
import dev.bootcluster.master.MessageHub;
import dev.bootcluster.messaging.ClusterMessenger;
import dev.bootcluster.messaging.MasterClusterMessenger;
import dev.bootcluster.messaging.MessageDispatcher;
import dev.bootcluster.messaging.PayloadCodec;
import dev.bootcluster.messaging.StandaloneClusterMessenger;
import dev.bootcluster.messaging.WorkerClusterMessenger;
import dev.bootcluster.web.RequestTracker;
import dev.bootcluster.web.WorkerWebServer;
import dev.bootcluster.worker.WorkerAgent;
import dev.bootcluster.worker.WorkerClusterOperations;
import dev.bootcluster.worker.WorkerStore;

/**
 * Beans of each cluster role. The role itself is decided before the context exists, by
 * {@code ClusterRoleListener}.
 */
@AutoConfiguration
@EnableConfigurationProperties(ClusterProperties.class)
public final class ClusterAutoConfiguration {

	/** A class of Prometheus's metrics model (with micrometer-registry-prometheus). */
	static final String PROMETHEUS_MODEL = "io.prometheus.metrics.model.snapshots.MetricSnapshots";

	/**
	 * Payloads are written with the application's {@code JsonMapper} when it has one (so
	 * {@code spring.jackson.*} applies), else with Jackson's defaults.
	 */
	@Bean
	@ConditionalOnMissingBean
	PayloadCodec clusterPayloadCodec(ObjectProvider<JsonMapper> mapper, ClusterProperties properties,
			ApplicationContext context) {
		JsonMapper fallback = JsonMapper.builder().build();
		return new PayloadCodec(() -> mapper.getIfAvailable(() -> fallback), frameCodec(properties),
				context.getClassLoader());
	}

	static FrameCodec frameCodec(ClusterProperties properties) {
		return new FrameCodec((int) properties.getIpc().getMaxMessageSize().toBytes());
	}

	/**
	 * The timeouts, validated with Boot's shutdown phase where there is a cluster: a
	 * contradictory combination fails the master at startup, before any worker starts
	 * (and a worker whose profile-specific configuration contradicts itself, which the
	 * master cannot see). A standalone application uses no cluster timeout, so its
	 * shutdown phase is not held against them.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClusterRole({ ClusterRole.MASTER, ClusterRole.WORKER })
	static class TimeoutsConfiguration {

		@Bean
		ClusterTimeouts clusterTimeouts(ClusterProperties properties, Environment environment) {
			return ClusterTimeoutSettings.timeouts(properties, environment);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClusterRole(ClusterRole.MASTER)
	@ConditionalOnBean(MasterLaunch.class)
	static class MasterConfiguration {

		@Bean(destroyMethod = "close")
		MessageHub clusterMessageHub(ClusterProperties properties) {
			MessageHub hub = new MessageHub(frameCodec(properties), properties.getIpc().getRequestTimeout());
			if (ClassUtils.isPresent(PROMETHEUS_MODEL, ClusterAutoConfiguration.class.getClassLoader())) {
				MetricsLedger.keep(hub.queries());
			}
			return hub;
		}

		@Bean
		MasterRunner clusterMasterRunner(MasterLaunch launch, ClusterProperties properties, ClusterTimeouts timeouts,
				ConfigurableApplicationContext context, MessageHub hub) {
			return new MasterRunner(launch, settings(properties, timeouts, context.getEnvironment()), context, hub);
		}

		@Bean
		@ConditionalOnMissingBean
		ClusterMessenger clusterMessenger(MessageHub hub, PayloadCodec codec, ApplicationEventPublisher publisher,
				ClusterProperties properties) {
			return new MasterClusterMessenger(hub, codec, new MessageDispatcher(codec, publisher),
					properties.getIpc().getRequestTimeout());
		}

		static MasterRunner.Settings settings(ClusterProperties properties, Environment environment) {
			return settings(properties, ClusterTimeoutSettings.timeouts(properties, environment), environment);
		}

		static MasterRunner.Settings settings(ClusterProperties properties, ClusterTimeouts timeouts,
				Environment environment) {
			ClusterProperties.Worker worker = properties.getWorker();
			return new MasterRunner.Settings(worker.getJvmArgs(), worker.getBackoff().getInitial(),
					worker.getBackoff().getMax(), worker.getCrashLoop().getMaxCrashes(),
					worker.getCrashLoop().getWindow(), (int) properties.getIpc().getMaxMessageSize().toBytes(),
					timeouts, properties.getListener(),
					environment.getProperty("server.tomcat.accept-count", Integer.class, 100),
					ListenPorts.address(environment.getProperty("server.address")),
					properties.getStore().getMaxSize().toBytes(), properties.getRecycle().policy(),
					new MasterRunner.StartupCacheSettings(worker.getStartupCache().isEnabled(),
							worker.getStartupCache().directoryOrDefault(),
							worker.getStartupCache().getTrainingTimeout(), worker.getStartupCache().isFixedAddress()),
					properties.getRestart().getMaxSurge());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClusterRole(ClusterRole.WORKER)
	@ConditionalOnBean(WorkerAgent.class)
	static class WorkerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ClusterOperations clusterOperations(WorkerAgent agent, ClusterProperties properties) {
			return new WorkerClusterOperations(agent, properties.getIpc().getRequestTimeout());
		}

		@Bean
		@ConditionalOnMissingBean
		ClusterStore clusterStore(WorkerAgent agent, ClusterProperties properties) {
			return new WorkerStore(agent, properties.getIpc().getRequestTimeout());
		}

		@Bean
		WorkerReadinessBridge clusterWorkerReadinessBridge(WorkerAgent agent) {
			return new WorkerReadinessBridge(agent);
		}

		@Bean
		@ConditionalOnMissingBean
		ClusterMessenger clusterMessenger(WorkerAgent agent, PayloadCodec codec, ClusterProperties properties) {
			return new WorkerClusterMessenger(agent, codec, properties.getIpc().getRequestTimeout());
		}

		@Bean
		ClusterMessageDelivery clusterMessageDelivery(WorkerAgent agent, PayloadCodec codec,
				ApplicationEventPublisher publisher, ClusterProperties properties) {
			return new ClusterMessageDelivery(agent, new MessageDispatcher(codec, publisher),
					properties.getIpc().getRequestTimeout());
		}

		@Bean
		WorkerDrain clusterWorkerDrain(WorkerAgent agent, ApplicationContext context,
				ObjectProvider<RequestTracker> requests, ObjectProvider<WorkerWebServer> servers,
				Environment environment) {
			// a worker that is no web application has no tracker, and no server to drain
			return new WorkerDrain(agent, context, requests.getIfAvailable(RequestTracker::new),
					() -> servers.orderedStream().toList(), ClusterWebServerConfigurations.sharedListener(environment));
		}

	}

	/** The web server's side of a worker: how it listens, and its requests counted. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClusterRole(ClusterRole.WORKER)
	@ConditionalOnWebApplication
	@Import({ ClusterWebServerConfigurations.Tomcat.class, ClusterWebServerConfigurations.Jetty.class,
			ClusterWebServerConfigurations.Netty.class, ClusterWebServerConfigurations.ServletRequests.class,
			ClusterWebServerConfigurations.ReactiveRequests.class })
	static class WorkerWebServerConfiguration {

		@Bean
		RequestTracker clusterRequestTracker(ObjectProvider<WorkerAgent> agent) {
			RequestTracker tracker = new RequestTracker();
			// the heartbeats report the requests served (recycling, the status's req/s)
			agent.ifAvailable((link) -> link.countRequests(tracker::served));
			return tracker;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClusterRole(ClusterRole.STANDALONE)
	static class StandaloneConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ClusterOperations clusterOperations(Environment environment) {
			return new StandaloneClusterOperations(environment);
		}

		@Bean
		@ConditionalOnMissingBean
		ClusterMessenger clusterMessenger(PayloadCodec codec, ApplicationEventPublisher publisher,
				ClusterProperties properties) {
			return new StandaloneClusterMessenger(codec, new MessageDispatcher(codec, publisher),
					properties.getIpc().getRequestTimeout());
		}

		@Bean
		@ConditionalOnMissingBean
		ClusterStore clusterStore(ClusterProperties properties) {
			return new LocalClusterStore(properties.getStore().getMaxSize().toBytes());
		}

	}

}
