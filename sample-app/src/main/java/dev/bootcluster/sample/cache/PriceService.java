package dev.bootcluster.sample.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

import dev.bootcluster.ClusterStore;

/**
 * Prices whose versions live in the cluster's store (the "database" every worker sees);
 * computing one is slow, so it is cached, and an update evicts it.
 */
@Service
public class PriceService {

	private final ClusterStore store;

	private final Duration computeTime;

	PriceService(ClusterStore store, @Value("${sample.prices.compute-time:200ms}") Duration computeTime) {
		this.store = store;
		this.computeTime = computeTime;
	}

	/** Slow: reads the version, then takes {@code sample.prices.compute-time}. */
	@Cacheable("prices")
	public Price price(String id) throws InterruptedException {
		long version = version(id);
		Thread.sleep(this.computeTime.toMillis());
		return new Price(id, version, ProcessHandle.current().pid(), UUID.randomUUID().toString());
	}

	/**
	 * Raises the price's version; the cached price is evicted once it is raised (on every
	 * worker, before this returns).
	 * @return the new version
	 */
	@CacheEvict("prices")
	public long update(String id) {
		String key = key(id);
		while (true) {
			byte[] current = this.store.get(key);
			long next = ((current != null) ? Long.parseLong(new String(current, StandardCharsets.UTF_8)) : 0) + 1;
			if (this.store.compareAndSet(key, current, Long.toString(next).getBytes(StandardCharsets.UTF_8), null)) {
				return next;
			}
		}
	}

	private long version(String id) {
		byte[] current = this.store.get(key(id));
		return (current != null) ? Long.parseLong(new String(current, StandardCharsets.UTF_8)) : 0;
	}

	private static String key(String id) {
		return "sample:price:" + id;
	}

}
