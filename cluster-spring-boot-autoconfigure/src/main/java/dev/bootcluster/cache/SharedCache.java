package dev.bootcluster.cache;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.support.AbstractValueAdaptingCache;
import org.springframework.core.serializer.support.SerializationDelegate;

import dev.bootcluster.ClusterStore;

/**
 * A cache whose entries live in the master's {@link ClusterStore}, one for all workers:
 * the key {@code cache:<name>:<encoded key>} ({@link CacheKeyCodec}), the value the Java
 * serialization of what is cached, with {@code cluster.cache.time-to-live} if set. Every
 * operation is a request to the master.
 * <p>
 * A put that the store refuses throws what the store threw
 * ({@link dev.bootcluster.ClusterStoreValueTooLargeException},
 * {@link dev.bootcluster.ClusterStoreFullException}) to Spring's
 * {@code CacheErrorHandler}, whose default rethrows it to the caller. A stored value that
 * no longer deserializes (its class changed in a new build) is a miss.
 * {@link #get(Object, Callable)} loads a key once per worker at a time, not once per
 * cluster.
 */
public final class SharedCache extends AbstractValueAdaptingCache {

	private static final Log logger = LogFactory.getLog(SharedCache.class);

	private final String name;

	private final ClusterStore store;

	private final CacheKeyCodec codec;

	private final SerializationDelegate serialization;

	private final @Nullable Duration timeToLive;

	private final ConcurrentHashMap<Object, ReentrantLock> loading = new ConcurrentHashMap<>();

	/**
	 * @param name the cache's name
	 * @param store where the entries live
	 * @param codec encodes keys
	 * @param classLoader loads the classes of the values read back
	 * @param allowNullValues whether null values are cached
	 * @param timeToLive how long an entry lives, or null for no expiry
	 */
	public SharedCache(String name, ClusterStore store, CacheKeyCodec codec, ClassLoader classLoader,
			boolean allowNullValues, @Nullable Duration timeToLive) {
		super(allowNullValues);
		this.name = name;
		this.store = store;
		this.codec = codec;
		this.serialization = new SerializationDelegate(classLoader);
		this.timeToLive = timeToLive;
	}

	@Override
	public String getName() {
		return this.name;
	}

	@Override
	public ClusterStore getNativeCache() {
		return this.store;
	}

	@Override
	protected @Nullable Object lookup(Object key) {
		byte[] bytes = this.store.get(storeKey(key));
		if (bytes == null) {
			return null;
		}
		try {
			return this.serialization.deserializeFromByteArray(bytes);
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Treating the entry of cache '" + this.name + "' for key '" + key
					+ "' as a miss: it does not deserialize (" + ex + ")");
			return null;
		}
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
		ValueWrapper cached = get(key);
		if (cached != null) {
			return (T) cached.get();
		}
		ReentrantLock lock = this.loading.computeIfAbsent(key, (k) -> new ReentrantLock());
		lock.lock();
		try {
			cached = get(key);
			if (cached != null) {
				return (T) cached.get();
			}
			T value;
			try {
				value = valueLoader.call();
			}
			catch (Exception ex) {
				throw new ValueRetrievalException(key, valueLoader, ex);
			}
			put(key, value);
			return value;
		}
		finally {
			lock.unlock();
			this.loading.remove(key, lock);
		}
	}

	@Override
	public void put(Object key, @Nullable Object value) {
		this.store.put(storeKey(key), serialize(key, value), this.timeToLive);
	}

	@Override
	public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
		String storeKey = storeKey(key);
		byte[] bytes = serialize(key, value);
		if (this.store.compareAndSet(storeKey, null, bytes, this.timeToLive)) {
			return null;
		}
		ValueWrapper existing = get(key);
		if (existing != null) {
			return existing;
		}
		// gone in between, or a value that no longer deserializes (a miss): replaced
		this.store.put(storeKey, bytes, this.timeToLive);
		return null;
	}

	@Override
	public void evict(Object key) {
		this.store.delete(storeKey(key));
	}

	@Override
	public boolean evictIfPresent(Object key) {
		return this.store.delete(storeKey(key));
	}

	@Override
	public void clear() {
		this.store.deleteByPrefix(CacheKeyCodec.storePrefix(this.name));
	}

	@Override
	public boolean invalidate() {
		return this.store.deleteByPrefix(CacheKeyCodec.storePrefix(this.name));
	}

	private String storeKey(Object key) {
		String encoded = this.codec.encode(key);
		if (encoded == null) {
			throw new IllegalArgumentException("Cache '" + this.name + "' cannot hold a key of "
					+ key.getClass().getName() + " in the cluster store: it is not serializable");
		}
		return CacheKeyCodec.storeKey(this.name, encoded);
	}

	private byte[] serialize(Object key, @Nullable Object value) {
		Object stored = toStoreValue(value);
		try {
			return this.serialization.serializeToByteArray(stored);
		}
		catch (IOException | RuntimeException ex) {
			throw new IllegalArgumentException("Cache '" + this.name + "' cannot hold the value for key '" + key + "' ("
					+ stored.getClass().getName() + ") in the cluster store: it does not serialize", ex);
		}
	}

	@Override
	public String toString() {
		return "SharedCache[" + this.name + "]";
	}

}
