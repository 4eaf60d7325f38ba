package dev.bootcluster.cache;

/**
 * Where the entries of the workers' caches live ({@code cluster.cache.mode}).
 */
public enum CacheMode {

	/**
	 * In each worker's own cache; a write there evicts the key on every other worker
	 * before it returns.
	 */
	NEAR,

	/**
	 * In the master's store, one entry for all workers (values serialized).
	 */
	SHARED

}
