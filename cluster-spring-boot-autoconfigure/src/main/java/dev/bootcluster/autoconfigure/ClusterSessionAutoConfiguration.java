package dev.bootcluster.autoconfigure;

import java.time.Duration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.session.autoconfigure.SessionAutoConfiguration;
import org.springframework.boot.session.autoconfigure.SessionTimeout;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.session.MapSession;
import org.springframework.session.ReactiveSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.SessionRepository;
import org.springframework.session.UuidSessionIdGenerator;
import org.springframework.session.config.annotation.web.http.SpringHttpSessionConfiguration;
import org.springframework.session.config.annotation.web.server.SpringWebSessionConfiguration;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterStore;
import dev.bootcluster.session.ClusterReactiveSessionRepository;
import dev.bootcluster.session.ClusterSessionRepository;

/**
 * Sessions in the master's store for a clustered web application: Spring Session's filter
 * (servlet) or {@code WebSessionManager} (WebFlux) over a
 * {@link ClusterSessionRepository}, so a session and a login hold on every worker.
 * <p>
 * Runs before Boot's {@link SessionAutoConfiguration} (which adds the filter's
 * registration, the cookie and the {@link SessionTimeout} from
 * {@code spring.session.timeout} or {@code server.servlet.session.timeout}) and after
 * Boot's JDBC and Redis session auto-configurations (and before WebFlux's, whose
 * {@code webSessionManager} gives way to Spring Session's), backing off for any
 * {@link SessionRepository} (or reactive one) the application or those define. A
 * STANDALONE application keeps the container's sessions;
 * {@code cluster.session.enabled=false} turns it off.
 */
@AutoConfiguration(before = SessionAutoConfiguration.class,
		beforeName = "org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration",
		after = ClusterAutoConfiguration.class,
		afterName = { "org.springframework.boot.session.jdbc.autoconfigure.JdbcSessionAutoConfiguration",
				"org.springframework.boot.session.data.redis.autoconfigure.SessionDataRedisAutoConfiguration" })
@ConditionalOnClass({ Session.class, SessionAutoConfiguration.class })
@ConditionalOnClusterRole({ ClusterRole.MASTER, ClusterRole.WORKER })
@ConditionalOnBooleanProperty(name = "cluster.session.enabled", matchIfMissing = true)
public final class ClusterSessionAutoConfiguration {

	static ClusterSessionRepository repository(ClusterStore store, ApplicationContext context,
			ObjectProvider<SessionTimeout> timeout, ObjectProvider<SessionIdGenerator> ids) {
		Duration interval = timeout.getIfAvailable(() -> () -> MapSession.DEFAULT_MAX_INACTIVE_INTERVAL).getTimeout();
		ClassLoader classLoader = context.getClassLoader();
		return new ClusterSessionRepository(store,
				(classLoader != null) ? classLoader : ClusterSessionAutoConfiguration.class.getClassLoader(),
				ids.getIfAvailable(UuidSessionIdGenerator::getInstance),
				(interval != null) ? interval : MapSession.DEFAULT_MAX_INACTIVE_INTERVAL, context);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnMissingBean(SessionRepository.class)
	@ConditionalOnBean(ClusterStore.class)
	@Import(SpringHttpSessionConfiguration.class)
	static class ServletSessions {

		@Bean
		ClusterSessionRepository sessionRepository(ClusterStore store, ApplicationContext context,
				ObjectProvider<SessionTimeout> timeout, ObjectProvider<SessionIdGenerator> ids) {
			return repository(store, context, timeout, ids);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnMissingBean({ ReactiveSessionRepository.class, SessionRepository.class })
	@ConditionalOnBean(ClusterStore.class)
	@Import(SpringWebSessionConfiguration.class)
	static class ReactiveSessions {

		@Bean
		ClusterReactiveSessionRepository reactiveSessionRepository(ClusterStore store, ApplicationContext context,
				ObjectProvider<SessionTimeout> timeout, ObjectProvider<SessionIdGenerator> ids) {
			return new ClusterReactiveSessionRepository(repository(store, context, timeout, ids));
		}

	}

}
