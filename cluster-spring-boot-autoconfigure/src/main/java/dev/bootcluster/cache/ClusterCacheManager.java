package dev.bootcluster.cache;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A worker's {@link CacheManager} made coherent across the cluster: the caches of the
 * manager it decorates (which still decides which caches exist and how they hold their
 * entries), each decorated by {@link ClusterCaches} as a {@link NearCache} or replaced by
 * a {@link SharedCache}.
 */
public final class ClusterCacheManager implements CacheManager {

	private final String name;

	private final CacheManager delegate;

	private final ClusterCaches caches;

	private final ConcurrentMap<String, Decorated> decorated = new ConcurrentHashMap<>();

	ClusterCacheManager(String name, CacheManager delegate, ClusterCaches caches) {
		this.name = name;
		this.delegate = delegate;
		this.caches = caches;
	}

	/** The manager this one decorates. */
	public CacheManager getDelegate() {
		return this.delegate;
	}

	@Override
	public @Nullable Cache getCache(String cacheName) {
		Cache own = this.delegate.getCache(cacheName);
		if (own == null) {
			return null;
		}
		// decorated again if the delegate replaced its cache (after resetCaches, say)
		return this.decorated.compute(cacheName, (key, current) -> (current != null && current.own() == own) ? current
				: new Decorated(own, this.caches.decorate(this.name, own)))
			.cache();
	}

	@Override
	public Collection<String> getCacheNames() {
		return this.delegate.getCacheNames();
	}

	/** Clears every cache handed out (on every worker), then resets the delegate. */
	@Override
	public void resetCaches() {
		this.decorated.values().forEach((decorated) -> decorated.cache().clear());
		this.decorated.clear();
		this.delegate.resetCaches();
	}

	@Override
	public String toString() {
		return "ClusterCacheManager[" + this.name + " over " + this.delegate.getClass().getName() + "]";
	}

	private record Decorated(Cache own, Cache cache) {
	}

}
