package dev.bootcluster.cache;

import java.util.Set;
import java.util.function.Supplier;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cache.CacheManager;

/**
 * Decorates the cache managers that keep entries in the worker's memory, Spring's
 * {@code ConcurrentMapCacheManager} (Boot's simple cache) and
 * {@code CaffeineCacheManager} (and their subclasses), with {@link ClusterCaches}. Other
 * managers (Redis, JCache, Hazelcast, composite or transaction-aware ones, a user's own)
 * are left alone: they are shared already, or not ours to change.
 */
public final class ClusterCacheManagerPostProcessor implements BeanPostProcessor {

	private static final Set<String> LOCAL_MANAGERS = Set.of(
			"org.springframework.cache.concurrent.ConcurrentMapCacheManager",
			"org.springframework.cache.caffeine.CaffeineCacheManager");

	private final Supplier<ClusterCaches> caches;

	/**
	 * @param caches the worker's cache decoration, asked for when the first manager is
	 * decorated
	 */
	public ClusterCacheManagerPostProcessor(Supplier<ClusterCaches> caches) {
		this.caches = caches;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof CacheManager manager && isLocal(bean.getClass())) {
			return this.caches.get().decorate(beanName, manager);
		}
		return bean;
	}

	/** By name, so that Caffeine's classes are not needed to look. */
	static boolean isLocal(Class<?> type) {
		for (Class<?> current = type; current != null; current = current.getSuperclass()) {
			if (LOCAL_MANAGERS.contains(current.getName())) {
				return true;
			}
		}
		return false;
	}

}
