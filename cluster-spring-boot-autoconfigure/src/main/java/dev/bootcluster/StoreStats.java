package dev.bootcluster;

/**
 * Figures of the master's cluster-wide store, as the master last reported them.
 *
 * @param entries entries held (expired ones not yet removed included)
 * @param bytesUsed bytes charged for them (keys, values and a per-entry overhead)
 * @param maxBytes the budget, {@code cluster.store.max-size}
 * @param evictions entries evicted (least recently used, with a TTL) to make room
 * @param refusals writes refused because they did not fit
 * @param expirations entries removed because they expired
 */
public record StoreStats(int entries, long bytesUsed, long maxBytes, long evictions, long refusals, long expirations) {

}
