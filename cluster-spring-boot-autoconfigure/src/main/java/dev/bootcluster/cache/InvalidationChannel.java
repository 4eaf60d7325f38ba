package dev.bootcluster.cache;

import org.jspecify.annotations.Nullable;

/**
 * How a {@link NearCache} has the other workers drop an entry.
 */
@FunctionalInterface
public interface InvalidationChannel {

	/**
	 * Has every other worker drop a key of a cache, and returns once they confirmed it
	 * (or gave up waiting: never blocks longer than the cluster's request timeout, never
	 * throws because a worker did not answer).
	 * @param cache the cache's name across the cluster
	 * @param key the encoded key, or null for every entry of the cache
	 */
	void invalidate(String cache, @Nullable String key);

}
