package dev.bootcluster.cache;

import java.io.Serializable;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.cache.Cache;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;

import dev.bootcluster.ClusterStoreFullException;
import dev.bootcluster.master.LocalClusterStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link SharedCache}: two "workers" in this JVM over one store.
 */
class SharedCacheTest {

	private final LocalClusterStore store = new LocalClusterStore(64 * 1024);

	private final ClassLoader classLoader = getClass().getClassLoader();

	@AfterEach
	void close() {
		this.store.close();
	}

	@Test
	void aValueCachedByOneWorkerIsServedToTheOther() {
		Cache one = cache("prices", null);
		Cache two = cache("prices", null);
		one.put("eur", new Price("eur", 100));
		assertThat(two.get("eur").get()).isEqualTo(new Price("eur", 100));
		assertThat(two.get("eur", Price.class)).isEqualTo(new Price("eur", 100));
		assertThat(this.store.get("cache:prices:s:eur")).isNotNull();
		two.evict("eur");
		assertThat(one.get("eur")).isNull();
	}

	@Test
	void aLoadingGetStoresWhatItLoadedOnce() {
		Cache one = cache("prices", null);
		Cache two = cache("prices", null);
		assertThat(one.get(42L, () -> "loaded")).isEqualTo("loaded");
		assertThat(two.get(42L, () -> "not loaded again")).isEqualTo("loaded");
	}

	@Test
	void clearRemovesOnlyItsOwnCache() {
		Cache prices = cache("prices", null);
		Cache pricesOld = cache("prices:old", null);
		prices.put("eur", "1");
		pricesOld.put("eur", "2");
		prices.clear();
		assertThat(prices.get("eur")).isNull();
		assertThat(pricesOld.get("eur").get()).isEqualTo("2");
		assertThat(pricesOld.invalidate()).isTrue();
		assertThat(pricesOld.invalidate()).isFalse();
	}

	@Test
	void nullsAreCachedWhenTheManagerAllowsThem() {
		Cache cache = cache("prices", null);
		cache.put("none", null);
		assertThat(cache.get("none")).isNotNull();
		assertThat(cache.get("none").get()).isNull();
		Cache strict = new SharedCache("strict", this.store, new CacheKeyCodec(this.classLoader), this.classLoader,
				false, null);
		assertThatIllegalArgumentException().isThrownBy(() -> strict.put("none", null));
	}

	@Test
	void putIfAbsentKeepsTheFirst() {
		Cache one = cache("prices", null);
		Cache two = cache("prices", null);
		assertThat(one.putIfAbsent("eur", "first")).isNull();
		assertThat(two.putIfAbsent("eur", "second").get()).isEqualTo("first");
	}

	@Test
	void entriesLiveTheTimeToLive() {
		Cache cache = cache("prices", Duration.ofMillis(100));
		cache.put("eur", "1");
		assertThat(cache.get("eur")).isNotNull();
		await().atMost(Duration.ofSeconds(10)).until(() -> cache.get("eur") == null);
	}

	@Test
	void aFullStoreOrAnUnserializableValueFailsThePut() {
		Cache cache = cache("prices", null);
		assertThatExceptionOfType(ClusterStoreFullException.class)
			.isThrownBy(() -> cache.put("big", new byte[128 * 1024]));
		assertThat(cache.get("big")).isNull();
		assertThatIllegalArgumentException().isThrownBy(() -> cache.put("eur", new Object()))
			.withMessageContaining("does not serialize");
		assertThatIllegalArgumentException().isThrownBy(() -> cache.put(new Object(), "x"))
			.withMessageContaining("not serializable");
	}

	@Test
	void aValueThatNoLongerDeserializesIsAMiss() {
		Cache cache = cache("prices", null);
		this.store.put("cache:prices:s:eur", new byte[] { 1, 2, 3 }, null);
		assertThat(cache.get("eur")).isNull();
		assertThat(cache.putIfAbsent("eur", "replaced")).isNull();
		assertThat(cache.get("eur").get()).isEqualTo("replaced");
	}

	@Test
	void theManagerHandsOutSharedCachesOfItsDelegatesNames() {
		ClusterCaches caches = ClusterCaches.shared(this.store, this.classLoader, null);
		ConcurrentMapCacheManager own = new ConcurrentMapCacheManager("prices");
		ClusterCacheManager manager = caches.decorate("cacheManager", own);
		assertThat(manager.getCache("prices")).isInstanceOf(SharedCache.class);
		assertThat(manager.getCache("users")).as("a name the delegate does not have").isNull();
		assertThat(manager.getCacheNames()).containsExactly("prices");
		assertThat(manager.getDelegate()).isSameAs(own);
	}

	private Cache cache(String name, Duration timeToLive) {
		return new SharedCache(name, this.store, new CacheKeyCodec(this.classLoader), this.classLoader, true,
				timeToLive);
	}

	record Price(String currency, long cents) implements Serializable {
	}

}
