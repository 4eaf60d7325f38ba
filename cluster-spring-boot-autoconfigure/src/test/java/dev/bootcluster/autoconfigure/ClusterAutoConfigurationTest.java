package dev.bootcluster.autoconfigure;

import java.net.BindException;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.actuate.ClusterEndpoint;
import dev.bootcluster.actuate.ClusterHealthIndicator;
import dev.bootcluster.actuate.ClusterMetrics;
import dev.bootcluster.context.ClusterConfigurationException;
import dev.bootcluster.context.ClusterPortInUseException;
import dev.bootcluster.context.MasterRunner;
import dev.bootcluster.context.StandaloneClusterOperations;
import dev.bootcluster.context.WorkerDrain;
import dev.bootcluster.context.WorkerReadinessBridge;
import dev.bootcluster.master.ClusterTimeouts;
import dev.bootcluster.web.RequestTracker;
import dev.bootcluster.web.jetty.JettyListenerCustomizer;
import dev.bootcluster.web.jetty.JettyWorkerWebServer;
import dev.bootcluster.web.netty.NettyListenerCustomizer;
import dev.bootcluster.web.netty.NettyWorkerWebServer;
import dev.bootcluster.web.reactive.InFlightRequestsWebFilter;
import dev.bootcluster.web.servlet.InFlightRequestsFilter;
import dev.bootcluster.web.tomcat.TomcatListenerCustomizer;
import dev.bootcluster.web.tomcat.TomcatWorkerWebServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterAutoConfiguration} and
 * {@link ClusterActuatorAutoConfiguration}. No test registers a {@code MasterLaunch}:
 * that would start worker processes.
 */
class ClusterAutoConfigurationTest {

	private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(ClusterAutoConfiguration.class,
			ClusterActuatorAutoConfiguration.class, EndpointAutoConfiguration.class,
			HealthContributorAutoConfiguration.class);

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(CONFIGURATIONS)
		.withPropertyValues("management.endpoints.web.exposure.include=cluster");

	private final WebApplicationContextRunner webRunner = new WebApplicationContextRunner()
		.withConfiguration(CONFIGURATIONS);

	@Test
	void withoutRoleTheProcessIsStandalone() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(ClusterOperations.class);
			assertThat(context.getBean(ClusterOperations.class)).isInstanceOf(StandaloneClusterOperations.class);
			assertThat(context.getBean(ClusterOperations.class).role()).isEqualTo(ClusterRole.STANDALONE);
			assertThat(context).hasSingleBean(ClusterEndpoint.class);
			assertThat(context).hasSingleBean(ClusterHealthIndicator.class);
			assertThat(context).hasBean("clusterHealthIndicator");
			assertThat(context).hasSingleBean(ClusterMetrics.class);
			assertThat(context).doesNotHaveBean(MasterRunner.class);
			assertThat(context).doesNotHaveBean(WorkerReadinessBridge.class);
			assertThat(context).doesNotHaveBean(TomcatListenerCustomizer.class);
			assertThat(context).hasSingleBean(ClusterProperties.class);
		});
	}

	@Test
	void explicitStandaloneRoleIsStandalone() {
		this.runner.withPropertyValues("cluster.internal.role=STANDALONE").run((context) -> {
			assertThat(context).getBean(ClusterOperations.class).isInstanceOf(StandaloneClusterOperations.class);
			assertThat(context).hasSingleBean(ClusterEndpoint.class);
		});
	}

	@Test
	void endpointIsNotExposedUnlessTheUserOptsIn() {
		new ApplicationContextRunner().withConfiguration(CONFIGURATIONS).run((context) -> {
			assertThat(context).hasSingleBean(StandaloneClusterOperations.class);
			assertThat(context).doesNotHaveBean(ClusterEndpoint.class);
			assertThat(context).hasSingleBean(ClusterHealthIndicator.class);
		});
	}

	@Test
	void endpointCanBeSwitchedOff() {
		this.runner.withPropertyValues("management.endpoint.cluster.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(ClusterEndpoint.class));
	}

	@Test
	void userClusterOperationsBacksOff() {
		ClusterOperations custom = new StandaloneClusterOperations(new MockEnvironment());
		this.runner.withBean("customOperations", ClusterOperations.class, () -> custom).run((context) -> {
			assertThat(context).hasSingleBean(ClusterOperations.class);
			assertThat(context).getBean(ClusterOperations.class).isSameAs(custom);
			assertThat(context).hasSingleBean(ClusterEndpoint.class);
		});
	}

	@Test
	void workerWithoutAgentHasNoClusterOperationsAndNoEndpoint() {
		this.runner.withPropertyValues("cluster.internal.role=WORKER").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ClusterOperations.class);
			assertThat(context).doesNotHaveBean(ClusterEndpoint.class);
			assertThat(context).doesNotHaveBean(ClusterHealthIndicator.class);
			assertThat(context).doesNotHaveBean(ClusterMetrics.class);
			assertThat(context).doesNotHaveBean(WorkerReadinessBridge.class);
			assertThat(context).doesNotHaveBean(MasterRunner.class);
		});
	}

	@Test
	void workerInServletWebApplicationBindsWithReusePort() {
		this.webRunner.withPropertyValues("cluster.internal.role=WORKER").run((context) -> {
			assertThat(context).hasSingleBean(TomcatListenerCustomizer.class);
			assertThat(context).hasSingleBean(TomcatWorkerWebServer.class);
			assertThat(context).hasSingleBean(InFlightRequestsFilter.class);
			assertThat(context).doesNotHaveBean(InFlightRequestsWebFilter.class);
			assertThat(context).doesNotHaveBean(WorkerDrain.class);
		});
	}

	@Test
	void jettyWorkerGetsJettysListenerAndNothingOfTomcat() {
		this.webRunner.withClassLoader(new FilteredClassLoader("org.apache.catalina", "org.apache.tomcat"))
			.withPropertyValues("cluster.internal.role=WORKER")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(JettyListenerCustomizer.class);
				assertThat(context).hasSingleBean(JettyWorkerWebServer.class);
				assertThat(context).hasSingleBean(InFlightRequestsFilter.class);
				assertThat(context).doesNotHaveBean(TomcatListenerCustomizer.class);
				assertThat(context).doesNotHaveBean(TomcatWorkerWebServer.class);
			});
	}

	@Test
	void webFluxWorkerOnNettyGetsNettysListenerAndNoServletBean() {
		new ReactiveWebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withClassLoader(new FilteredClassLoader("jakarta.servlet", "org.apache.catalina", "org.apache.tomcat",
					"org.eclipse.jetty"))
			.withPropertyValues("cluster.internal.role=WORKER", "cluster.internal.shared-listener=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(NettyListenerCustomizer.class);
				assertThat(context).hasSingleBean(NettyWorkerWebServer.class);
				assertThat(context).hasSingleBean(InFlightRequestsWebFilter.class);
				assertThat(context).hasSingleBean(RequestTracker.class);
				assertThat(context).doesNotHaveBean(InFlightRequestsFilter.class);
				assertThat(context).doesNotHaveBean(TomcatListenerCustomizer.class);
				assertThat(context).doesNotHaveBean(JettyListenerCustomizer.class);
			});
	}

	@Test
	void standaloneServletWebApplicationDoesNotBindWithReusePort() {
		this.webRunner.withPropertyValues("cluster.internal.role=STANDALONE").run((context) -> {
			assertThat(context).doesNotHaveBean(TomcatListenerCustomizer.class);
			assertThat(context).doesNotHaveBean(InFlightRequestsFilter.class);
			assertThat(context).doesNotHaveBean(RequestTracker.class);
		});
		this.webRunner.run((context) -> assertThat(context).doesNotHaveBean(TomcatListenerCustomizer.class));
	}

	@Test
	void workerOutsideAWebApplicationDoesNotCustomizeTomcat() {
		this.runner.withPropertyValues("cluster.internal.role=WORKER")
			.run((context) -> assertThat(context).doesNotHaveBean(TomcatListenerCustomizer.class));
	}

	@Test
	void workerManagementChildContextBindsWithReusePort() {
		this.webRunner.withUserConfiguration(ClusterManagementContextConfiguration.class)
			.withPropertyValues("cluster.internal.role=WORKER")
			.run((context) -> assertThat(context).getBeans(TomcatListenerCustomizer.class).hasSize(2));
		this.webRunner.withUserConfiguration(ClusterManagementContextConfiguration.class)
			.run((context) -> assertThat(context).doesNotHaveBean(TomcatListenerCustomizer.class));
	}

	@Test
	void healthIndicatorCanBeDisabled() {
		this.runner.withPropertyValues("management.health.cluster.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(ClusterHealthIndicator.class);
			assertThat(context).hasSingleBean(ClusterEndpoint.class);
		});
	}

	/**
	 * The contributor answers from the status the master pushes after every heartbeat, so
	 * it is stale after three heartbeat intervals (at least 5 s).
	 */
	@ParameterizedTest
	@CsvSource({ "1s, 5000", "4s, 12000" })
	void healthIndicatorIsStaleAfterThreeHeartbeatIntervals(String interval, long staleAfterMillis) {
		ClusterOperations old = new StandaloneClusterOperations(new MockEnvironment()) {

			@Override
			public Duration lastKnownStatusAge() {
				return Duration.ofMinutes(1);
			}

		};
		this.runner
			.withPropertyValues("cluster.ipc.heartbeat-interval=" + interval, "cluster.worker.heartbeat-timeout=1m")
			.withBean(ClusterOperations.class, () -> old)
			.run((context) -> {
				Health health = context.getBean(ClusterHealthIndicator.class).health();
				assertThat(health.getStatus()).isEqualTo(ClusterHealthIndicator.DEGRADED);
				assertThat(health.getDetails()).containsEntry("stale", true)
					.containsEntry("staleAfterMillis", staleAfterMillis);
			});
	}

	/**
	 * Boot leaves DEGRADED out of the overall status unless the status order ranks it, as
	 * the README shows.
	 */
	@Test
	void statusOrderMakesADegradedClusterTheOverallStatus() {
		ClusterOperations old = new StandaloneClusterOperations(new MockEnvironment()) {

			@Override
			public Duration lastKnownStatusAge() {
				return Duration.ofMinutes(1);
			}

		};
		ApplicationContextRunner health = this.runner
			.withConfiguration(AutoConfigurations.of(HealthContributorRegistryAutoConfiguration.class,
					HealthEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=health")
			.withBean(ClusterOperations.class, () -> old);
		health.run((context) -> assertThat(context.getBean(HealthEndpoint.class).health().getStatus())
			.isEqualTo(Status.UP));
		health.withPropertyValues("management.endpoint.health.status.order=DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN")
			.run((context) -> assertThat(context.getBean(HealthEndpoint.class).health().getStatus())
				.isEqualTo(ClusterHealthIndicator.DEGRADED));
	}

	@Test
	void healthIndicatorFollowsHealthDefaults() {
		this.runner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ClusterHealthIndicator.class));
	}

	@Test
	void masterWithoutLaunchHasNoRunnerAndNoClusterOperations() {
		this.runner.withPropertyValues("cluster.internal.role=MASTER", "cluster.workers=2").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(MasterRunner.class);
			assertThat(context).doesNotHaveBean(ClusterOperations.class);
			assertThat(context).doesNotHaveBean(ClusterEndpoint.class);
			assertThat(context).doesNotHaveBean(ClusterHealthIndicator.class);
			assertThat(context).doesNotHaveBean(TomcatListenerCustomizer.class);
		});
	}

	@Test
	void defaultPropertiesAreValid() {
		this.runner.run((context) -> {
			ClusterProperties properties = context.getBean(ClusterProperties.class);
			assertThat(properties.isEnabled()).isTrue();
			assertThat(properties.getWorkers()).isNull();
			assertThat(properties.getShutdownTimeout()).isEqualTo(Duration.ofSeconds(35));
			MasterRunner.Settings settings = ClusterAutoConfiguration.MasterConfiguration.settings(properties,
					context.getEnvironment());
			assertThat(settings.jvmArguments()).isEmpty();
			assertThat(settings.listener()).isEqualTo("auto");
			assertThat(settings.acceptCount()).isEqualTo(100);
			assertThat(settings.address()).isNull();
			assertThat(settings.initialBackoff()).isEqualTo(Duration.ofMillis(100));
			assertThat(settings.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
			assertThat(settings.maxCrashes()).isEqualTo(5);
			assertThat(settings.crashWindow()).isEqualTo(Duration.ofSeconds(60));
			assertThat(settings.maxMessageSize()).isEqualTo(1024 * 1024);
			assertThat(properties.getWorker().getHeartbeatTimeout()).isEqualTo(Duration.ofSeconds(30));
			assertThat(settings.timeouts()).isEqualTo(new ClusterTimeouts(Duration.ofSeconds(120),
					Duration.ofSeconds(30), Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(35),
					Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(30)));
		});
	}

	@Test
	void propertiesBindIntoMasterSettings() {
		this.runner.withPropertyValues("cluster.workers=auto", "cluster.worker.jvm-args=-Xmx256m,-Dfoo=bar",
				"cluster.worker.backoff.initial=250ms", "cluster.worker.backoff.max=30s",
				"cluster.worker.crash-loop.max-crashes=3", "cluster.worker.crash-loop.window=2m",
				"cluster.ipc.max-message-size=2MB", "cluster.ipc.heartbeat-interval=500ms",
				"cluster.worker.heartbeat-timeout=1500ms", "spring.lifecycle.timeout-per-shutdown-phase=40s",
				"cluster.shutdown-timeout=45s", "cluster.restart.ready-timeout=90s",
				"cluster.restart.drain-timeout=20s", "cluster.restart.drain-quiet-period=0s",
				"cluster.restart.keep-alive-timeout=0s", "cluster.listener=shared", "server.tomcat.accept-count=300",
				"server.address=127.0.0.1", "cluster.restart.max-surge=2", "cluster.worker.startup-cache.enabled=false",
				"cluster.worker.startup-cache.directory=/var/cache/app",
				"cluster.worker.startup-cache.training-timeout=90s", "cluster.worker.startup-cache.fixed-address=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ClusterProperties properties = context.getBean(ClusterProperties.class);
				assertThat(properties.getWorkers()).isEqualTo("auto");
				MasterRunner.Settings settings = ClusterAutoConfiguration.MasterConfiguration.settings(properties,
						context.getEnvironment());
				assertThat(settings.listener()).isEqualTo("shared");
				assertThat(settings.acceptCount()).isEqualTo(300);
				assertThat(settings.address()).isEqualTo(java.net.InetAddress.getLoopbackAddress());
				assertThat(settings.jvmArguments()).containsExactly("-Xmx256m", "-Dfoo=bar");
				assertThat(settings.initialBackoff()).isEqualTo(Duration.ofMillis(250));
				assertThat(settings.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
				assertThat(settings.maxCrashes()).isEqualTo(3);
				assertThat(settings.crashWindow()).isEqualTo(Duration.ofMinutes(2));
				assertThat(settings.maxMessageSize()).isEqualTo(2 * 1024 * 1024);
				assertThat(settings.timeouts()).isEqualTo(new ClusterTimeouts(Duration.ofSeconds(90),
						Duration.ofSeconds(20), Duration.ZERO, Duration.ZERO, Duration.ofSeconds(45),
						Duration.ofSeconds(40), Duration.ofMillis(500), Duration.ofMillis(1500)));
				assertThat(settings.timeouts().retire()).isEqualTo(Duration.ofSeconds(60));
				assertThat(settings.maxSurge()).isEqualTo(2);
				assertThat(settings.startupCache()).isEqualTo(new MasterRunner.StartupCacheSettings(false,
						java.nio.file.Path.of("/var/cache/app"), Duration.ofSeconds(90), false));
			});
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"',
			textBlock = """
					cluster.workers=0                                                    | cluster.workers                       | 0         | 'auto' or a whole number from 1 to 256
					cluster.workers=abc                                                  | cluster.workers                       | abc       | 'auto' or a whole number from 1 to 256
					cluster.workers=257                                                  | cluster.workers                       | 257       | 'auto' or a whole number from 1 to 256
					cluster.workers=-1                                                   | cluster.workers                       | -1        | 'auto' or a whole number from 1 to 256
					cluster.worker.backoff.initial=0s                                    | cluster.worker.backoff.initial        | 0s        | a positive duration
					cluster.worker.backoff.initial=-1s                                   | cluster.worker.backoff.initial        | -1s       | a positive duration
					cluster.worker.backoff.initial=100ms;cluster.worker.backoff.max=50ms | cluster.worker.backoff.max            | 50ms      | a duration not shorter than cluster.worker.backoff.initial (100ms)
					cluster.worker.crash-loop.max-crashes=0                              | cluster.worker.crash-loop.max-crashes | 0         | a whole number of at least 1
					cluster.worker.crash-loop.window=0s                                  | cluster.worker.crash-loop.window      | 0s        | a positive duration
					cluster.restart.max-surge=0                                          | cluster.restart.max-surge             | 0         | a whole number from 1 to 256
					cluster.worker.startup-cache.training-timeout=0s                     | cluster.worker.startup-cache.training-timeout | 0s  | a positive duration
					cluster.ipc.max-message-size=10B                                     | cluster.ipc.max-message-size          | 10B       | a size from 1KB to 2047MB
					cluster.ipc.max-message-size=2GB                                     | cluster.ipc.max-message-size          | 2147483648B | a size from 1KB to 2047MB
					cluster.ipc.heartbeat-interval=0ms                                   | cluster.ipc.heartbeat-interval        | 0s        | a positive duration of at least 1ms
					cluster.ipc.heartbeat-interval=500us                                 | cluster.ipc.heartbeat-interval        | PT0.0005S | a positive duration of at least 1ms
					cluster.worker.heartbeat-timeout=0s                                  | cluster.worker.heartbeat-timeout      | 0s        | a positive duration
					cluster.worker.heartbeat-timeout=2999ms                              | cluster.worker.heartbeat-timeout      | 2999ms    | a duration of at least 3 times cluster.ipc.heartbeat-interval (1s), that is 3s or more
					cluster.ipc.heartbeat-interval=11s                                   | cluster.worker.heartbeat-timeout      | 30s       | a duration of at least 3 times cluster.ipc.heartbeat-interval (11s), that is 33s or more
					cluster.shutdown-timeout=0s                                          | cluster.shutdown-timeout              | 0s        | a positive duration
					cluster.ipc.request-timeout=0s                                       | cluster.ipc.request-timeout           | 0s        | a positive duration
					cluster.restart.ready-timeout=0s                                     | cluster.restart.ready-timeout         | 0s        | a positive duration
					cluster.restart.ready-timeout=5s                                     | cluster.restart.ready-timeout         | 5s        | a duration longer than cluster.ipc.request-timeout (5s)
					cluster.ipc.request-timeout=2m                                       | cluster.restart.ready-timeout         | 2m        | a duration longer than cluster.ipc.request-timeout (2m)
					cluster.restart.drain-timeout=-5s                                    | cluster.restart.drain-timeout         | -5s       | a positive duration
					cluster.restart.keep-alive-timeout=-1s                               | cluster.restart.keep-alive-timeout    | -1s       | a duration of 0 or more
					cluster.restart.drain-quiet-period=-1ms                              | cluster.restart.drain-quiet-period    | -1ms      | a duration from 0 to less than cluster.restart.drain-timeout (30s)
					cluster.restart.drain-timeout=1s;cluster.restart.drain-quiet-period=1s | cluster.restart.drain-quiet-period  | 1s        | a duration from 0 to less than cluster.restart.drain-timeout (1s)
					cluster.restart.keep-alive-timeout=30s                               | cluster.restart.keep-alive-timeout    | 30s       | a duration from 0 to less than cluster.restart.drain-timeout (30s) minus cluster.restart.drain-quiet-period (500ms), that is under 29500ms
					cluster.restart.keep-alive-timeout=31s;cluster.restart.drain-quiet-period=0s | cluster.restart.keep-alive-timeout | 31s  | a duration from 0 to less than cluster.restart.drain-timeout (30s) minus cluster.restart.drain-quiet-period (0s), that is under 30s
					cluster.restart.drain-quiet-period=10s;cluster.restart.keep-alive-timeout=20s | cluster.restart.keep-alive-timeout | 20s | a duration from 0 to less than cluster.restart.drain-timeout (30s) minus cluster.restart.drain-quiet-period (10s), that is under 20s
					cluster.listener=proxy                                               | cluster.listener                      | proxy     | auto, reuseport or shared
					cluster.recycle.max-requests=-1                                      | cluster.recycle.max-requests          | -1        | a whole number of requests, 0 for no limit
					cluster.recycle.max-age=0s                                           | cluster.recycle.max-age               | 0s        | a positive duration
					cluster.recycle.jitter=2                                             | cluster.recycle.jitter                | 2.0       | a fraction from 0 to 1
					cluster.recycle.max-heap-after-gc=512                                | cluster.recycle.max-heap-after-gc     | 512       | a fraction of the maximum heap (0.85 or 85%) or a size with its unit (512MB)
					cluster.recycle.max-heap-after-gc=120%                               | cluster.recycle.max-heap-after-gc     | 120%      | a fraction of the maximum heap
					""")
	void invalidPropertyFailsTheContextAndIsAnalyzed(String properties, String name, String value, String accepted) {
		this.runner.withPropertyValues(properties.split(";")).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			assertThat(failure).hasRootCauseInstanceOf(ClusterConfigurationException.class);
			ClusterConfigurationException cause = rootCause(failure);
			assertThat(cause.getProperty()).isEqualTo(name);
			assertThat(cause.getAccepted()).startsWith(accepted);
			FailureAnalysis analysis = new ClusterFailureAnalyzer().analyze(failure);
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains("'" + name + "'").contains("'" + value + "'");
			assertThat(analysis.getAction()).contains("'" + name + "'").contains(accepted);
			assertThat(analysis.getCause()).isSameAs(cause);
		});
	}

	/**
	 * Where there is a cluster, SIGKILL after cluster.shutdown-timeout must not cut
	 * Boot's graceful shutdown (spring.lifecycle.timeout-per-shutdown-phase) short: the
	 * master fails at startup, and so does a worker whose own configuration says so.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"',
			textBlock = """
					MASTER | cluster.shutdown-timeout=30s                                                | cluster.shutdown-timeout                    | 30s | a duration longer than spring.lifecycle.timeout-per-shutdown-phase (30s)
					MASTER | spring.lifecycle.timeout-per-shutdown-phase=35s                             | cluster.shutdown-timeout                    | 35s | a duration longer than spring.lifecycle.timeout-per-shutdown-phase (35s)
					MASTER | spring.lifecycle.timeout-per-shutdown-phase=1m;cluster.shutdown-timeout=45s | cluster.shutdown-timeout                    | 45s | a duration longer than spring.lifecycle.timeout-per-shutdown-phase (1m)
					WORKER | spring.lifecycle.timeout-per-shutdown-phase=40s                             | cluster.shutdown-timeout                    | 35s | a duration longer than spring.lifecycle.timeout-per-shutdown-phase (40s)
					MASTER | spring.lifecycle.timeout-per-shutdown-phase=0s                              | spring.lifecycle.timeout-per-shutdown-phase | 0s  | a positive duration
					""")
	void shutdownTimeoutNotAboveBootsShutdownPhaseFailsAClusterAtStartup(String role, String properties, String name,
			String value, String accepted) {
		this.runner.withPropertyValues("cluster.internal.role=" + role, "cluster.workers=2")
			.withPropertyValues(properties.split(";"))
			.run((context) -> {
				assertThat(context).hasFailed();
				Throwable failure = context.getStartupFailure();
				assertThat(failure).hasRootCauseInstanceOf(ClusterConfigurationException.class);
				assertThat(rootCause(failure).getProperty()).isEqualTo(name);
				FailureAnalysis analysis = new ClusterFailureAnalyzer().analyze(failure);
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("'" + name + "'").contains("'" + value + "'");
				assertThat(analysis.getAction()).contains("'" + name + "'").contains(accepted);
			});
	}

	@Test
	void masterAndWorkerHaveTheTimeoutsWithBootsShutdownPhase() {
		for (String role : new String[] { "MASTER", "WORKER" }) {
			this.runner
				.withPropertyValues("cluster.internal.role=" + role, "cluster.workers=2",
						"spring.lifecycle.timeout-per-shutdown-phase=20s", "cluster.shutdown-timeout=25s")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					ClusterTimeouts timeouts = context.getBean(ClusterTimeouts.class);
					assertThat(timeouts.shutdownPhase()).isEqualTo(Duration.ofSeconds(20));
					assertThat(timeouts.shutdown()).isEqualTo(Duration.ofSeconds(25));
					assertThat(timeouts.retire()).isEqualTo(Duration.ofSeconds(50));
				});
		}
		this.runner.withPropertyValues("cluster.internal.role=MASTER", "cluster.workers=2").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ClusterTimeouts.class).shutdownPhase()).isEqualTo(Duration.ofSeconds(30));
		});
	}

	/**
	 * A standalone application uses no cluster timeout: its shutdown phase is its own.
	 */
	@Test
	void standaloneKeepsAnyShutdownPhase() {
		this.runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=2m").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ClusterTimeouts.class);
		});
	}

	@Test
	void invalidWorkerCountAnalysisSuggestsRunningWithoutCluster() {
		this.runner.withPropertyValues("cluster.workers=many").run((context) -> {
			FailureAnalysis analysis = new ClusterFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getAction()).contains("'auto' or a whole number from 1 to 256")
				.contains("cluster.enabled=false");
		});
	}

	@Test
	void failureAnalyzerIgnoresOtherFailures() {
		assertThat(new ClusterFailureAnalyzer().analyze(new IllegalStateException("other"))).isNull();
		assertThat(new ClusterPortInUseFailureAnalyzer().analyze(new IllegalStateException("other"))).isNull();
	}

	@Test
	void portInUseAnalysisNamesThePortAndTheProperty() {
		ClusterPortInUseException exception = new ClusterPortInUseException("management.server.port", 8081,
				new BindException("Address already in use"));
		FailureAnalysis analysis = new ClusterPortInUseFailureAnalyzer()
			.analyze(new IllegalStateException("wrapped", exception));
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription()).contains("8081").contains("management.server.port");
		assertThat(analysis.getAction()).contains("8081").contains("'management.server.port'");
		assertThat(analysis.getCause()).isSameAs(exception);
	}

	private static ClusterConfigurationException rootCause(Throwable failure) {
		Throwable cause = failure;
		while (cause.getCause() != null) {
			cause = cause.getCause();
		}
		return (ClusterConfigurationException) cause;
	}

}
