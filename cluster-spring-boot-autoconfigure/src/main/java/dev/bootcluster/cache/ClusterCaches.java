package dev.bootcluster.cache;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.support.AbstractValueAdaptingCache;

import dev.bootcluster.ClusterStore;

/**
 * How a worker's caches are made coherent, in one {@link CacheMode}: decorates cache
 * managers, and (in near mode) drops the entries that other workers invalidated.
 */
public final class ClusterCaches {

	private final CacheMode mode;

	private final CacheKeyCodec codec;

	private final @Nullable InvalidationChannel channel;

	private final @Nullable ClusterStore store;

	private final ClassLoader classLoader;

	private final @Nullable Duration timeToLive;

	/** Near caches by their name across the cluster. */
	private final Map<String, NearCache> nearCaches = new ConcurrentHashMap<>();

	private ClusterCaches(CacheMode mode, CacheKeyCodec codec, @Nullable InvalidationChannel channel,
			@Nullable ClusterStore store, ClassLoader classLoader, @Nullable Duration timeToLive) {
		this.mode = mode;
		this.codec = codec;
		this.channel = channel;
		this.store = store;
		this.classLoader = classLoader;
		this.timeToLive = timeToLive;
	}

	/**
	 * Near caches: each worker's own, invalidated on the others through {@code channel}.
	 */
	public static ClusterCaches near(InvalidationChannel channel, ClassLoader classLoader) {
		return new ClusterCaches(CacheMode.NEAR, new CacheKeyCodec(classLoader), channel, null, classLoader, null);
	}

	/**
	 * Shared caches: entries in {@code store}, living {@code timeToLive} (null: until
	 * evicted).
	 */
	public static ClusterCaches shared(ClusterStore store, ClassLoader classLoader, @Nullable Duration timeToLive) {
		return new ClusterCaches(CacheMode.SHARED, new CacheKeyCodec(classLoader), null, store, classLoader,
				timeToLive);
	}

	public CacheMode mode() {
		return this.mode;
	}

	/**
	 * Decorates a cache manager.
	 * @param name its bean name (the same on every worker), which qualifies the names of
	 * its caches in invalidations
	 * @param manager the manager
	 * @return the coherent manager
	 */
	public ClusterCacheManager decorate(String name, CacheManager manager) {
		return new ClusterCacheManager(name, manager, this);
	}

	/** Decorates one cache of a manager. */
	Cache decorate(String managerName, Cache own) {
		if (this.mode == CacheMode.SHARED) {
			boolean allowNullValues = !(own instanceof AbstractValueAdaptingCache adapting)
					|| adapting.isAllowNullValues();
			return new SharedCache(own.getName(), requireNonNull(this.store), this.codec, this.classLoader,
					allowNullValues, this.timeToLive);
		}
		String id = managerName + "/" + own.getName();
		NearCache cache = new NearCache(own, id, this.codec, requireNonNull(this.channel));
		this.nearCaches.put(id, cache);
		return cache;
	}

	/**
	 * Another worker invalidated a key of a near cache (every entry for null): drops it
	 * here, if this worker has that cache.
	 * @param cache the cache's name across the cluster
	 * @param key the encoded key, or null
	 */
	public void invalidated(String cache, @Nullable String key) {
		NearCache near = this.nearCaches.get(cache);
		if (near != null) {
			near.invalidated(key);
		}
	}

	private static <T> T requireNonNull(@Nullable T value) {
		if (value == null) {
			throw new IllegalStateException("Not configured for this cache mode");
		}
		return value;
	}

}
