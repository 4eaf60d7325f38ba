package dev.bootcluster.cache;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;

/**
 * A worker's own cache (a {@code ConcurrentMapCache} or {@code CaffeineCache}) whose
 * writes reach every other worker before they return: {@code put}, {@code evict},
 * {@code evictIfPresent}, {@code clear} and {@code invalidate} apply here, then have the
 * other workers drop the key (or every entry) through the master, and return once they
 * all confirmed (or the request timeout passed, which is logged).
 * <p>
 * A put does not copy the value to the others: they drop their entry and load it again on
 * their next lookup. A {@code @Cacheable} miss's fill stays local (see
 * {@link CacheFills}); a fill whose load overlapped a write of this cache (here or
 * another worker's) is not kept, since it may predate the write. Lookups and loads are
 * the delegate's.
 */
public final class NearCache implements Cache {

	private static final Log logger = LogFactory.getLog(NearCache.class);

	private final Cache delegate;

	private final String id;

	private final CacheKeyCodec codec;

	private final InvalidationChannel channel;

	/** Writes of this cache, local or another worker's, so far. */
	private final AtomicLong writes = new AtomicLong();

	private final AtomicBoolean warnedUnencodable = new AtomicBoolean();

	/**
	 * @param delegate the worker's own cache
	 * @param id the cache's name across the cluster (qualified by its manager)
	 * @param codec encodes keys for the other workers
	 * @param channel reaches the other workers
	 */
	public NearCache(Cache delegate, String id, CacheKeyCodec codec, InvalidationChannel channel) {
		this.delegate = delegate;
		this.id = id;
		this.codec = codec;
		this.channel = channel;
	}

	/** The worker's own cache. */
	public Cache getDelegate() {
		return this.delegate;
	}

	@Override
	public String getName() {
		return this.delegate.getName();
	}

	@Override
	public Object getNativeCache() {
		return this.delegate.getNativeCache();
	}

	@Override
	public @Nullable ValueWrapper get(Object key) {
		long before = this.writes.get();
		ValueWrapper value = this.delegate.get(key);
		if (value == null) {
			CacheFills.missed(this, key, before);
		}
		return value;
	}

	@Override
	public <T> @Nullable T get(Object key, @Nullable Class<T> type) {
		return this.delegate.get(key, type);
	}

	@Override
	public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
		long before = this.writes.get();
		AtomicBoolean loaded = new AtomicBoolean();
		T value = this.delegate.get(key, () -> {
			loaded.set(true);
			return valueLoader.call();
		});
		if (loaded.get() && this.writes.get() != before) {
			// loaded while the key may have changed: returned, not kept
			this.delegate.evictIfPresent(key);
		}
		return value;
	}

	@Override
	public @Nullable CompletableFuture<?> retrieve(Object key) {
		return this.delegate.retrieve(key);
	}

	@Override
	public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
		return this.delegate.retrieve(key, valueLoader);
	}

	@Override
	public void put(Object key, @Nullable Object value) {
		long missedAt = CacheFills.fill(this, key);
		if (missedAt >= 0) {
			if (this.writes.get() == missedAt) {
				this.delegate.put(key, value);
			}
			else {
				this.delegate.evictIfPresent(key);
			}
			return;
		}
		this.writes.incrementAndGet();
		this.delegate.put(key, value);
		invalidateOthers(key);
	}

	@Override
	public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
		long missedAt = CacheFills.fill(this, key);
		if (missedAt < 0) {
			this.writes.incrementAndGet();
		}
		ValueWrapper existing = this.delegate.putIfAbsent(key, value);
		if (existing == null && missedAt < 0) {
			invalidateOthers(key);
		}
		return existing;
	}

	@Override
	public void evict(Object key) {
		this.writes.incrementAndGet();
		this.delegate.evict(key);
		invalidateOthers(key);
	}

	@Override
	public boolean evictIfPresent(Object key) {
		this.writes.incrementAndGet();
		boolean present = this.delegate.evictIfPresent(key);
		invalidateOthers(key);
		return present;
	}

	@Override
	public void clear() {
		this.writes.incrementAndGet();
		this.delegate.clear();
		this.channel.invalidate(this.id, null);
	}

	@Override
	public boolean invalidate() {
		this.writes.incrementAndGet();
		boolean any = this.delegate.invalidate();
		this.channel.invalidate(this.id, null);
		return any;
	}

	/**
	 * Another worker wrote: drops the key (every entry for null) at once, on the worker's
	 * invalidation thread (waiting, if the key is being loaded here, for the load, which
	 * then is not kept). A key this worker cannot decode drops every entry.
	 */
	void invalidated(@Nullable String encodedKey) {
		this.writes.incrementAndGet();
		if (encodedKey == null) {
			this.delegate.invalidate();
			return;
		}
		Object key;
		try {
			key = this.codec.decode(encodedKey);
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Dropping every entry of cache '" + getName() + "': " + ex.getMessage());
			this.delegate.invalidate();
			return;
		}
		this.delegate.evictIfPresent(key);
	}

	private void invalidateOthers(Object key) {
		String encoded = this.codec.encode(key);
		if (encoded == null && this.warnedUnencodable.compareAndSet(false, true)) {
			logger.warn("Cache '" + getName() + "' has a key of " + key.getClass().getName()
					+ ", which is not serializable: each write of such a key clears the cache on the other workers");
		}
		this.channel.invalidate(this.id, encoded);
	}

	/** Writes of this cache so far, local or another worker's. */
	long writeCount() {
		return this.writes.get();
	}

	@Override
	public String toString() {
		return "NearCache[" + this.id + " over " + this.delegate + "]";
	}

}
