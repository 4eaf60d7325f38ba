package dev.bootcluster.autoconfigure;

import org.springframework.aop.Advisor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cache.CacheManager;
import org.springframework.cache.interceptor.BeanFactoryCacheOperationSourceAdvisor;
import org.springframework.cache.interceptor.CacheOperationSource;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterStore;
import dev.bootcluster.cache.CacheFills;
import dev.bootcluster.cache.CacheMode;
import dev.bootcluster.cache.ClusterCacheManagerPostProcessor;
import dev.bootcluster.cache.ClusterCaches;
import dev.bootcluster.cache.WorkerInvalidationChannel;
import dev.bootcluster.worker.WorkerAgent;

/**
 * Coherent caches in workers: Spring's in-memory cache managers (Boot's simple cache and
 * Caffeine) become near caches invalidated on every worker through the master, or caches
 * held in the master's store ({@code cluster.cache.mode}). A standalone application's
 * caches are left as they are; the master runs no application beans.
 */
@AutoConfiguration(after = ClusterAutoConfiguration.class)
@ConditionalOnClass(CacheManager.class)
@ConditionalOnClusterRole(ClusterRole.WORKER)
@ConditionalOnBean(WorkerAgent.class)
public final class ClusterCacheAutoConfiguration {

	/**
	 * Static, as a post-processor must be; what it needs is looked up when it decorates
	 * the first cache manager.
	 */
	@Bean
	static ClusterCacheManagerPostProcessor clusterCacheManagerPostProcessor(ObjectProvider<ClusterCaches> caches) {
		return new ClusterCacheManagerPostProcessor(caches::getObject);
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	ClusterCaches clusterCaches(ClusterProperties properties, WorkerAgent agent, ObjectProvider<ClusterStore> store,
			ApplicationContext context) {
		ClassLoader classLoader = context.getClassLoader();
		if (classLoader == null) {
			classLoader = ClusterCacheAutoConfiguration.class.getClassLoader();
		}
		ClusterProperties.Cache cache = properties.getCache();
		if (cache.getMode() == CacheMode.SHARED) {
			return ClusterCaches.shared(store.getObject(), classLoader, cache.getTimeToLive());
		}
		ClusterCaches caches = ClusterCaches
			.near(new WorkerInvalidationChannel(agent, properties.getIpc().getRequestTimeout()), classLoader);
		agent.onCacheInvalidation(caches::invalidated);
		return caches;
	}

	/**
	 * Opens a {@link CacheFills} scope around every method with cache annotations,
	 * outside Spring's cache interceptor, so that near caches tell a {@code @Cacheable}
	 * miss's fill (local) from a write (invalidated everywhere).
	 */
	@Configuration(proxyBeanMethods = false)
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnBean(CacheOperationSource.class)
	@ConditionalOnProperty(name = "cluster.cache.mode", havingValue = "near", matchIfMissing = true)
	static class NearCacheFillsConfiguration {

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		Advisor clusterCacheFillsAdvisor(CacheOperationSource cacheOperationSource) {
			BeanFactoryCacheOperationSourceAdvisor advisor = new BeanFactoryCacheOperationSourceAdvisor();
			advisor.setCacheOperationSource(cacheOperationSource);
			advisor.setAdvice(new CacheFills());
			advisor.setOrder(Ordered.HIGHEST_PRECEDENCE);
			return advisor;
		}

	}

}
