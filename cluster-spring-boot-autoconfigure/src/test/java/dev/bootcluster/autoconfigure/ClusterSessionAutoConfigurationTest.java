package dev.bootcluster.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.session.autoconfigure.SessionAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.session.MapSessionRepository;
import org.springframework.session.SessionRepository;
import org.springframework.session.web.http.SessionRepositoryFilter;
import org.springframework.session.web.server.session.SpringSessionWebSessionStore;
import org.springframework.web.server.session.DefaultWebSessionManager;
import org.springframework.web.server.session.WebSessionManager;

import dev.bootcluster.ClusterStore;
import dev.bootcluster.master.LocalClusterStore;
import dev.bootcluster.session.ClusterReactiveSessionRepository;
import dev.bootcluster.session.ClusterSession;
import dev.bootcluster.session.ClusterSessionRepository;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterSessionAutoConfiguration}. A worker's store is stood in for by
 * an in-process one.
 */
class ClusterSessionAutoConfigurationTest {

	private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(ClusterAutoConfiguration.class,
			ClusterSessionAutoConfiguration.class, SessionAutoConfiguration.class);

	private final WebApplicationContextRunner servlet = new WebApplicationContextRunner()
		.withConfiguration(CONFIGURATIONS)
		.withUserConfiguration(ServerPropertiesConfiguration.class)
		.withBean(ClusterStore.class, () -> new LocalClusterStore(1 << 20));

	@Test
	void aWorkerKeepsItsSessionsInTheClusterStoreWithBootsTimeout() {
		this.servlet.withPropertyValues("cluster.internal.role=WORKER", "spring.session.timeout=5m").run((context) -> {
			assertThat(context).hasSingleBean(ClusterSessionRepository.class);
			assertThat(context).hasSingleBean(SessionRepositoryFilter.class);
			ClusterSession session = context.getBean(ClusterSessionRepository.class).createSession();
			assertThat(session.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(5));
		});
	}

	@Test
	void standaloneKeepsTheContainersSessions() {
		this.servlet.withPropertyValues("cluster.internal.role=STANDALONE").run((context) -> {
			assertThat(context).doesNotHaveBean(SessionRepository.class);
			assertThat(context).doesNotHaveBean(SessionRepositoryFilter.class);
		});
	}

	@Test
	void anApplicationsOwnRepositoryWins() {
		this.servlet.withPropertyValues("cluster.internal.role=WORKER")
			.withBean(MapSessionRepository.class, () -> new MapSessionRepository(new java.util.HashMap<>()))
			.run((context) -> {
				assertThat(context).doesNotHaveBean(ClusterSessionRepository.class);
				assertThat(context).hasSingleBean(SessionRepository.class);
			});
	}

	@Test
	void itCanBeTurnedOff() {
		this.servlet.withPropertyValues("cluster.internal.role=WORKER", "cluster.session.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(SessionRepository.class));
	}

	@Test
	void aWebFluxWorkerGetsTheReactiveRepository() {
		new ReactiveWebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class))
			.withUserConfiguration(ServerPropertiesConfiguration.class)
			.withBean(ClusterStore.class, () -> new LocalClusterStore(1 << 20))
			.withPropertyValues("cluster.internal.role=WORKER")
			.run((context) -> {
				assertThat(context).hasSingleBean(ClusterReactiveSessionRepository.class);
				assertThat(context).hasSingleBean(WebSessionManager.class);
				// Spring Session's, not WebFlux's default one (an in-memory store)
				assertThat(((DefaultWebSessionManager) context.getBean(WebSessionManager.class)).getSessionStore())
					.isInstanceOf(SpringSessionWebSessionStore.class);
				assertThat(context).doesNotHaveBean(SessionRepositoryFilter.class);
			});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(ServerProperties.class)
	static class ServerPropertiesConfiguration {

	}

}
