package dev.bootcluster.cache;

import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Caffeine;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cache.interceptor.SimpleKey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link NearCache} and {@link ClusterCaches} in near mode: two "workers" in
 * this JVM, each with its own cache manager, joined by a fake invalidation channel that
 * applies an invalidation on the other worker before it returns (as the master's relay
 * does once every worker confirmed).
 */
class NearCacheTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	/** What each worker sent, in order: cache id and encoded key (null: all). */
	private final List<Sent> sent = new CopyOnWriteArrayList<>();

	private final List<ClusterCaches> workers = new ArrayList<>();

	private final List<ExecutorService> invalidationThreads = new CopyOnWriteArrayList<>();

	@AfterEach
	void stopThreads() {
		this.invalidationThreads.forEach(ExecutorService::shutdownNow);
	}

	@ParameterizedTest
	@ValueSource(strings = { "simple", "caffeine" })
	void aPutOnOneWorkerEvictsTheKeyOnTheOtherBeforeItReturns(String kind) {
		Cache one = worker(kind).getCache("prices");
		Cache two = worker(kind).getCache("prices");
		fill(one, "eur", "1.00 by one");
		fill(two, "eur", "1.00 by two");
		fill(two, "usd", "1.10 by two");
		assertThat(value(one, "eur")).isEqualTo("1.00 by one");
		assertThat(value(two, "eur")).isEqualTo("1.00 by two");
		assertThat(this.sent).as("fills stay local").isEmpty();
		one.put("eur", "2.00 by one");
		assertThat(this.sent).containsExactly(new Sent(0, "cacheManager/prices", "s:eur"));
		assertThat(value(one, "eur")).isEqualTo("2.00 by one");
		assertThat(two.get("eur")).isNull();
		assertThat(value(two, "usd")).as("other keys are kept").isEqualTo("1.10 by two");
	}

	@Test
	void evictsAndClearsReachTheOtherWorker() {
		Cache one = worker("simple").getCache("prices");
		Cache two = worker("simple").getCache("prices");
		fill(two, "a", "A");
		fill(two, "b", "B");
		fill(two, 7L, "seven");
		fill(two, new SimpleKey("x", 1), "x1");
		one.evict("a");
		assertThat(two.get("a")).isNull();
		assertThat(one.evictIfPresent(7L)).isFalse();
		assertThat(two.get(7L)).isNull();
		one.evict(new SimpleKey("x", 1));
		assertThat(two.get(new SimpleKey("x", 1))).isNull();
		assertThat(value(two, "b")).isEqualTo("B");
		one.clear();
		assertThat(two.get("b")).isNull();
		fill(two, "c", "C");
		assertThat(one.invalidate()).isFalse();
		assertThat(two.get("c")).isNull();
		assertThat(this.sent).extracting(Sent::key)
			.containsExactly("s:a", "l:7", new CacheKeyCodec(getClass().getClassLoader()).encode(new SimpleKey("x", 1)),
					null, null);
	}

	@Test
	void cachesOfOtherNamesAndManagersAreNotTouched() {
		ClusterCaches first = caches();
		ClusterCaches second = caches();
		CacheManager one = first.decorate("cacheManager", new ConcurrentMapCacheManager());
		CacheManager two = second.decorate("cacheManager", new ConcurrentMapCacheManager());
		CacheManager twoOther = second.decorate("otherManager", new ConcurrentMapCacheManager());
		fill(two.getCache("users"), "eur", "user");
		fill(twoOther.getCache("prices"), "eur", "other manager's");
		one.getCache("prices").put("eur", "x");
		assertThat(value(two.getCache("users"), "eur")).isEqualTo("user");
		assertThat(value(twoOther.getCache("prices"), "eur")).isEqualTo("other manager's");
	}

	@Test
	void aPutOutsideAnyScopeIsAWrite() {
		Cache one = worker("simple").getCache("prices");
		Cache two = worker("simple").getCache("prices");
		fill(two, "eur", "old");
		assertThat(one.get("eur")).isNull();
		// a miss outside a scope (no @Cacheable around it) makes no fill of the put
		one.put("eur", "new");
		assertThat(two.get("eur")).isNull();
	}

	@Test
	void aMissWhoseScopeEndedWithoutAPutDoesNotMakeALaterPutAFill() {
		Cache one = worker("simple").getCache("prices");
		Cache two = worker("simple").getCache("prices");
		// a @Cacheable whose method threw, or whose result was not cached (unless)
		CacheFills.within(() -> assertThat(one.get("eur")).isNull());
		fill(two, "eur", "old");
		// then a @CachePut of the key on the same thread
		CacheFills.within(() -> one.put("eur", "new"));
		assertThat(two.get("eur")).isNull();
	}

	@Test
	void aFillOfAnotherKeyOrCacheIsAWrite() {
		CacheManagerView first = worker("simple");
		Cache one = first.getCache("prices");
		Cache oneOther = first.getCache("rates");
		Cache two = worker("simple").getCache("prices");
		fill(two, "usd", "old");
		fill(two, "eur", "old");
		CacheFills.within(() -> {
			assertThat(one.get("eur")).isNull();
			one.put("usd", "new");
			oneOther.put("eur", "new");
		});
		assertThat(two.get("usd")).isNull();
		assertThat(value(two, "eur")).isEqualTo("old");
	}

	@Test
	void aFillWhoseLoadOverlappedAWriteIsNotKept() {
		Cache one = worker("simple").getCache("prices");
		Cache two = worker("simple").getCache("prices");
		CacheFills.within(() -> {
			assertThat(two.get("eur")).isNull();
			// the load read the old price; meanwhile another worker wrote the new one
			one.put("eur", "new");
			two.put("eur", "old, loaded before the write");
		});
		assertThat(two.get("eur")).isNull();
		assertThat(value(one, "eur")).isEqualTo("new");
	}

	@Test
	void aLoadingGetStaysLocalUnlessItOverlappedAWrite() {
		Cache one = worker("caffeine").getCache("prices");
		Cache two = worker("caffeine").getCache("prices");
		fill(one, "eur", "by one");
		assertThat(two.get("eur", () -> "by two")).isEqualTo("by two");
		assertThat(value(one, "eur")).isEqualTo("by one");
		assertThat(value(two, "eur")).isEqualTo("by two");
		assertThat(this.sent).isEmpty();
	}

	/**
	 * The other worker's write arrives while this one loads the key: dropping the entry
	 * waits for the load (the cache holds the key meanwhile), and what was loaded is
	 * returned but not kept.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "simple", "caffeine" })
	void aLoadThatOverlapsAnotherWorkersWriteIsNotKept(String kind) throws Exception {
		Cache one = worker(kind).getCache("prices");
		NearCache two = (NearCache) worker(kind).getCache("prices");
		ExecutorService threads = Executors.newFixedThreadPool(2);
		try {
			long before = two.writeCount();
			CountDownLatch loading = new CountDownLatch(1);
			Future<String> load = threads.submit(() -> two.get("usd", () -> {
				loading.countDown();
				await().atMost(TIMEOUT).until(() -> two.writeCount() > before);
				return "old, loaded before the write";
			}));
			assertThat(loading.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
			Future<?> write = threads.submit(() -> one.put("usd", "new"));
			assertThat(load.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("old, loaded before the write");
			write.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			assertThat(two.get("usd")).isNull();
			assertThat(value(one, "usd")).isEqualTo("new");
		}
		finally {
			threads.shutdownNow();
		}
	}

	@Test
	void putIfAbsentIsAWriteWhenItWrites() {
		Cache one = worker("simple").getCache("prices");
		Cache two = worker("simple").getCache("prices");
		fill(two, "eur", "old");
		fill(one, "usd", "kept");
		assertThat(one.putIfAbsent("usd", "ignored").get()).isEqualTo("kept");
		assertThat(this.sent).isEmpty();
		assertThat(one.putIfAbsent("eur", "new")).isNull();
		assertThat(two.get("eur")).isNull();
	}

	@Test
	void aKeyThatDoesNotSerializeClearsTheCacheOnTheOthers() {
		Cache one = worker("simple").getCache("prices");
		Cache two = worker("simple").getCache("prices");
		fill(two, "eur", "old");
		one.put(new Object(), "x");
		assertThat(this.sent).containsExactly(new Sent(0, "cacheManager/prices", null));
		assertThat(two.get("eur")).isNull();
	}

	@Test
	void aKeyTheReceiverCannotDecodeDropsItsWholeCache() {
		CacheManagerView second = worker("simple");
		Cache two = second.getCache("prices");
		fill(two, "eur", "old");
		fill(two, "usd", "old");
		second.invalidated("cacheManager/prices", "j:AAAA");
		assertThat(two.get("eur")).isNull();
		assertThat(two.get("usd")).isNull();
	}

	@Test
	void aCacheTheManagerReplacedIsDecoratedAgain() {
		ConcurrentMapCacheManager own = new ConcurrentMapCacheManager();
		ClusterCaches first = caches();
		CacheManager one = first.decorate("cacheManager", own);
		Cache before = one.getCache("prices");
		assertThat(one.getCache("prices")).isSameAs(before);
		own.resetCaches();
		Cache after = one.getCache("prices");
		assertThat(after).isNotSameAs(before);
		assertThat(((NearCache) after).getDelegate()).isSameAs(own.getCache("prices"));
		assertThat(one.getCacheNames()).containsExactly("prices");
	}

	// ---- helpers ----

	/** A new worker with a manager of the kind, named like Boot's. */
	private CacheManagerView worker(String kind) {
		ClusterCaches caches = caches();
		CacheManager own = kind.equals("caffeine") ? caffeine() : new ConcurrentMapCacheManager();
		return new CacheManagerView(caches, caches.decorate("cacheManager", own));
	}

	private static CacheManager caffeine() {
		CaffeineCacheManager manager = new CaffeineCacheManager();
		manager.setCaffeine(Caffeine.newBuilder().maximumSize(100));
		return manager;
	}

	/**
	 * A worker whose invalidations are applied on every other worker's invalidation
	 * thread before the write returns.
	 */
	private ClusterCaches caches() {
		int index = this.workers.size();
		ClusterCaches caches = ClusterCaches.near((cache, key) -> {
			this.sent.add(new Sent(index, cache, key));
			for (int i = 0; i < this.workers.size(); i++) {
				if (i != index) {
					ClusterCaches other = this.workers.get(i);
					Future<?> applied = this.invalidationThreads.get(i).submit(() -> other.invalidated(cache, key));
					try {
						applied.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				}
			}
		}, getClass().getClassLoader());
		this.workers.add(caches);
		this.invalidationThreads.add(Executors.newSingleThreadExecutor());
		return caches;
	}

	/** What Spring's aspect does on a {@code @Cacheable} miss. */
	private static void fill(Cache cache, Object key, Object value) {
		CacheFills.within(() -> {
			assertThat(cache.get(key)).as("a miss before the fill").isNull();
			cache.put(key, value);
		});
	}

	private static @Nullable Object value(Cache cache, Object key) {
		Cache.ValueWrapper wrapper = cache.get(key);
		assertThat(wrapper).as("cached value of " + key).isNotNull();
		return wrapper.get();
	}

	private record Sent(int worker, String cache, @Nullable String key) {
	}

	/** A worker's decorated manager, with its cache decoration at hand. */
	private record CacheManagerView(ClusterCaches caches, CacheManager manager) {

		Cache getCache(String name) {
			return this.manager.getCache(name);
		}

		void invalidated(String cache, @Nullable String key) {
			this.caches.invalidated(cache, key);
		}

	}

}
