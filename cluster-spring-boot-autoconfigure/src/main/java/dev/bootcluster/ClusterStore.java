package dev.bootcluster;

import java.time.Duration;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;

/**
 * The cluster-wide key-value store held by the master: every worker sees the same
 * entries, which outlive any worker (crashes and rolling restarts included) and are gone
 * when the master stops. Data that must survive the master belongs in Redis or a
 * database.
 * <p>
 * Values are bytes that only the workers encode and decode; the master stores and returns
 * them as they are. An entry with a TTL expires at once when it is due; the store's byte
 * budget ({@code cluster.store.max-size}) evicts least recently used entries that have a
 * TTL to make room, never one without.
 * <p>
 * Operations block the caller until the master answers, at most
 * {@code cluster.ipc.request-timeout}. In a STANDALONE application the store is held
 * in-process, with the same rules.
 */
public interface ClusterStore {

	/**
	 * The value of a key.
	 * @param key the key
	 * @return the value, or {@code null} if absent or expired
	 */
	byte @Nullable [] get(String key);

	/**
	 * Sets a key's value, replacing any previous value and TTL.
	 * @param key the key, non-empty, at most 1024 UTF-8 bytes
	 * @param value the value
	 * @param ttl how long it lives, or {@code null} for no expiry (such an entry is never
	 * evicted)
	 * @throws ClusterStoreFullException if it does not fit in the budget
	 * @throws ClusterStoreValueTooLargeException if it is larger than one IPC message
	 */
	void put(String key, byte[] value, @Nullable Duration ttl);

	/**
	 * Removes a key.
	 * @param key the key
	 * @return whether it was there
	 */
	boolean delete(String key);

	/**
	 * Sets a key's value if its current value is {@code expected}.
	 * @param key the key
	 * @param expected the current value, compared byte for byte, or {@code null} if the
	 * key must be absent
	 * @param value the new value
	 * @param ttl how long it lives, or {@code null} for no expiry
	 * @return whether it was set
	 * @throws ClusterStoreFullException if it does not fit in the budget
	 */
	boolean compareAndSet(String key, byte @Nullable [] expected, byte[] value, @Nullable Duration ttl);

	/**
	 * Gives a key a new TTL from now.
	 * @param key the key
	 * @param ttl the new time to live, positive
	 * @return whether the key was there
	 */
	boolean touch(String key, Duration ttl);

	/**
	 * Holds a key for this process (a lock or a lease): sets it if absent, or renews it
	 * if this process holds it with this value. The entry is removed when this process
	 * ends, however it ends, or when its TTL runs out without a renewal.
	 * @param key the key
	 * @param value the holder's value (its identity)
	 * @param ttl how long it lives without a renewal, positive
	 * @return whether this process holds the key now
	 */
	boolean hold(String key, byte[] value, Duration ttl);

	/**
	 * Removes a key if its value is {@code value} (gives up what {@link #hold} took).
	 * @param key the key
	 * @param value the holder's value
	 * @return whether it was removed
	 */
	boolean release(String key, byte[] value);

	/**
	 * Removes every key that starts with a prefix.
	 * @param prefix the prefix, non-empty
	 * @return whether any was removed
	 */
	boolean deleteByPrefix(String prefix);

	/**
	 * Tells {@code listener} of entries under {@code prefix} that expire, with their last
	 * value. Of all the processes that watch a prefix, one is told of each entry.
	 * @param prefix the key prefix
	 * @param listener called with the key and value, on a thread of the store's client
	 */
	void onExpired(String prefix, BiConsumer<String, byte[]> listener);

}
