package dev.bootcluster.testapp.redis;

import java.io.Serializable;
import java.time.Duration;

import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Service;

/**
 * A slow lookup behind a cache ({@code spring.cache.type=redis}, so one cache for every
 * host): {@link #greeting} reads the greeting's text from its source (a Redis key,
 * standing in for a database every host reads) and takes {@link #SLOW} to do it;
 * {@link #update} changes the source and evicts the cached entry.
 */
@Service
class GreetingService {

	/** How long a lookup that misses the cache takes. */
	static final Duration SLOW = Duration.ofMillis(500);

	private static final String SOURCE = "redis-app:greetings:";

	private final StringRedisTemplate redis;

	GreetingService(StringRedisTemplate redis) {
		this.redis = redis;
	}

	@Cacheable("greetings")
	public Greeting greeting(String name) throws InterruptedException {
		// the slow call the cache is for
		Thread.sleep(SLOW.toMillis());
		String text = this.redis.opsForValue().get(SOURCE + name);
		return new Greeting(name, (text != null) ? text : "hello " + name, ProcessHandle.current().pid(),
				System.currentTimeMillis());
	}

	@CacheEvict(cacheNames = "greetings", key = "#name")
	public void update(String name, String text) {
		this.redis.opsForValue().set(SOURCE + name, text);
	}

	/**
	 * A cached greeting (Java-serialized into Redis by the cache's default serializer).
	 *
	 * @param name whom it greets
	 * @param text the greeting
	 * @param computedBy the PID of the worker that looked it up
	 * @param computedAt when, in epoch milliseconds
	 */
	record Greeting(String name, String text, long computedBy, long computedAt) implements Serializable {
	}

}
