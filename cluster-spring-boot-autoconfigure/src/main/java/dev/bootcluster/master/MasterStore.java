package dev.bootcluster.master;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;

/**
 * The master's cluster-wide key-value store (sessions, caches, locks of the workers).
 * <p>
 * Values are opaque byte arrays the master never interprets. Keys are non-empty strings
 * of at most {@link #MAX_KEY_BYTES} UTF-8 bytes. An entry may have a time to live; an
 * expired entry is invisible at once, and is removed by {@link #sweep()}, by a write that
 * needs room, or when it is found expired by any operation on its key.
 * <p>
 * Arrays are not copied: {@link #put put} keeps the given array and {@link #get get}
 * returns the stored array itself, so callers hand a value over and must not modify it
 * afterwards, nor modify an array they got.
 * <p>
 * The store has a byte budget. Each entry costs the UTF-8 bytes of its key, the length of
 * its value and {@link #ENTRY_OVERHEAD}. When a write would exceed the budget, expired
 * entries are dropped first, then the least recently used entries that have a TTL, oldest
 * use first, until the write fits. Entries without a TTL are never evicted. If the write
 * cannot fit even after that, it is refused with a {@link StoreFullException} and nothing
 * changes: what must go is computed before anything is removed.
 * <p>
 * An entry may be <em>held</em> by an owner (a worker process): {@link #hold hold} sets
 * it, and {@link #releaseOwner releaseOwner} removes every entry an owner still holds
 * (when its process is gone), which is how locks and leases are released when their
 * holder dies. Any other write to the key ends the holding.
 * <p>
 * An entry that expires (not one evicted or deleted) is handed to the {@link #onExpired
 * expiry listener} as it is removed, so that its owner's application can react (Spring
 * Session's expired-session event).
 * <p>
 * Not thread-safe: {@link StoreService} calls it under its monitor, so reads, writes and
 * {@link #compareAndSet compareAndSet} are atomic because one thread at a time calls
 * them. Operations are O(1) or O(log n) (entries with a TTL are also kept ordered by
 * expiry); an eviction costs O(log n) per evicted entry.
 */
final class MasterStore {

	/**
	 * Bytes charged per entry on top of its key and value, an estimate of the map nodes,
	 * entry object and array headers that hold it.
	 */
	static final int ENTRY_OVERHEAD = 64;

	/** The longest key, in UTF-8 bytes. */
	static final int MAX_KEY_BYTES = 1024;

	private final Clock clock;

	private final long maxBytes;

	/** Every entry, expired or not until removed. */
	private final Map<String, Entry> entries = new HashMap<>();

	/** The entries with a TTL, in access order: the eldest is evicted first. */
	private final LinkedHashMap<String, Entry> mayExpire = new LinkedHashMap<>(16, 0.75f, true);

	/** The entries with a TTL, soonest expiry first. */
	private final TreeSet<Entry> byExpiry = new TreeSet<>(
			Comparator.comparing((Entry entry) -> Objects.requireNonNull(entry.expiresAt))
				.thenComparingLong((entry) -> entry.sequence));

	/** The keys each owner holds. */
	private final Map<Long, Set<String>> held = new HashMap<>();

	private BiConsumer<String, byte[]> expired = (key, value) -> {
	};

	private long sequence;

	private long bytesUsed;

	private long mayExpireBytes;

	private long evictions;

	private long refusals;

	private long expirations;

	/**
	 * Create an empty store.
	 * @param clock the clock that decides expiry
	 * @param maxBytes the byte budget, positive
	 */
	MasterStore(Clock clock, long maxBytes) {
		if (maxBytes <= 0) {
			throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
		}
		this.clock = Objects.requireNonNull(clock, "clock");
		this.maxBytes = maxBytes;
	}

	/**
	 * Set what is told of each entry removed because it expired (by a sweep, to make
	 * room, or found expired), with its key and value; it must not call back into the
	 * store.
	 * @param listener the expiry listener
	 */
	void onExpired(BiConsumer<String, byte[]> listener) {
		this.expired = Objects.requireNonNull(listener, "listener");
	}

	/**
	 * The value of a key. Counts as a use of the entry for eviction.
	 * @param key the key
	 * @return the stored array itself (not a copy; do not modify it), or {@code null} if
	 * the key is absent or expired
	 */
	byte @Nullable [] get(String key) {
		Entry entry = live(key, this.clock.instant());
		if (entry == null) {
			return null;
		}
		if (entry.expiresAt != null) {
			this.mayExpire.get(key);
		}
		return entry.value;
	}

	/**
	 * The value of a key, without counting as a use (for diagnostics and tests).
	 * @param key the key
	 * @return the stored array itself, or {@code null} if the key is absent or expired
	 */
	byte @Nullable [] peek(String key) {
		Entry entry = this.entries.get(key);
		return (entry == null || entry.isExpired(this.clock.instant())) ? null : entry.value;
	}

	/**
	 * Set a key's value, replacing any previous value and TTL.
	 * @param key the key, non-empty, at most {@link #MAX_KEY_BYTES} UTF-8 bytes
	 * @param value the value, kept as is (not copied)
	 * @param ttl how long the entry lives, positive, or {@code null} for no expiry (such
	 * an entry is never evicted)
	 * @throws StoreFullException if the entry does not fit in the budget; then nothing
	 * changed
	 */
	void put(String key, byte[] value, @Nullable Duration ttl) {
		int keyBytes = checkKey(key);
		Objects.requireNonNull(value, "value");
		checkTtl(ttl);
		store(key, keyBytes, value, ttl, 0, this.clock.instant());
	}

	/**
	 * Set a key's value for an owner, if the key is absent or the owner already holds it
	 * with the same value (a renewal); the entry is removed when {@link #releaseOwner
	 * releaseOwner} is called for the owner.
	 * @param key the key, non-empty, at most {@link #MAX_KEY_BYTES} UTF-8 bytes
	 * @param value the value, kept as is (not copied)
	 * @param ttl how long the entry lives, positive (a holder that stops renewing loses
	 * it)
	 * @param owner the owner, positive (a worker's pid)
	 * @return whether the owner holds the key now
	 * @throws StoreFullException if the entry does not fit in the budget; then nothing
	 * changed
	 */
	boolean hold(String key, byte[] value, Duration ttl, long owner) {
		int keyBytes = checkKey(key);
		Objects.requireNonNull(value, "value");
		Objects.requireNonNull(ttl, "ttl");
		checkTtl(ttl);
		if (owner <= 0) {
			throw new IllegalArgumentException("An owner must be positive, was " + owner);
		}
		Instant now = this.clock.instant();
		Entry current = this.entries.get(key);
		if (current != null && !current.isExpired(now)
				&& (current.owner != owner || !Arrays.equals(current.value, value))) {
			return false;
		}
		store(key, keyBytes, value, ttl, owner, now);
		return true;
	}

	/**
	 * Remove a key if its value is {@code expected} (a holder giving up what it holds).
	 * @param key the key
	 * @param expected the value it must have, compared byte for byte
	 * @return whether it was removed
	 */
	boolean release(String key, byte[] expected) {
		Objects.requireNonNull(expected, "expected");
		Entry entry = live(key, this.clock.instant());
		if (entry == null || !Arrays.equals(entry.value, expected)) {
			return false;
		}
		remove(entry);
		return true;
	}

	/**
	 * Remove every entry an owner holds (its process is gone).
	 * @param owner the owner
	 * @return how many entries were removed
	 */
	int releaseOwner(long owner) {
		Set<String> keys = this.held.remove(owner);
		if (keys == null) {
			return 0;
		}
		int removed = 0;
		for (String key : keys) {
			Entry entry = this.entries.get(key);
			if (entry != null && entry.owner == owner) {
				entry.owner = 0;
				remove(entry);
				removed++;
			}
		}
		return removed;
	}

	/**
	 * Remove every key that starts with a prefix (a cache's {@code clear}); O(n) in the
	 * number of entries.
	 * @param prefix the prefix, non-empty
	 * @return how many visible entries were removed
	 */
	int deleteByPrefix(String prefix) {
		if (prefix.isEmpty()) {
			throw new IllegalArgumentException("A prefix must not be empty");
		}
		Instant now = this.clock.instant();
		int removed = 0;
		for (Entry entry : this.entries.values().toArray(Entry[]::new)) {
			if (entry.key.startsWith(prefix) && live(entry.key, now) != null) {
				remove(entry);
				removed++;
			}
		}
		return removed;
	}

	/**
	 * Remove a key.
	 * @param key the key
	 * @return whether a value was visible (an expired entry is removed too, but counts as
	 * absent)
	 */
	boolean delete(String key) {
		Entry entry = live(key, this.clock.instant());
		if (entry == null) {
			return false;
		}
		remove(entry);
		return true;
	}

	/**
	 * Set a key's value only if its current value is {@code expected}.
	 * @param key the key, non-empty, at most {@link #MAX_KEY_BYTES} UTF-8 bytes
	 * @param expected the value the key must have, compared byte for byte, or
	 * {@code null} if the key must be absent (an expired entry counts as absent)
	 * @param value the new value, kept as is (not copied)
	 * @param ttl how long the entry lives, positive, or {@code null} for no expiry
	 * @return whether the value was set
	 * @throws StoreFullException if the values matched but the entry does not fit in the
	 * budget; then nothing changed
	 */
	boolean compareAndSet(String key, byte @Nullable [] expected, byte[] value, @Nullable Duration ttl) {
		int keyBytes = checkKey(key);
		Objects.requireNonNull(value, "value");
		checkTtl(ttl);
		Instant now = this.clock.instant();
		Entry current = this.entries.get(key);
		if (current != null && current.isExpired(now)) {
			current = null;
		}
		boolean matches = (expected != null) ? current != null && Arrays.equals(current.value, expected)
				: current == null;
		if (!matches) {
			return false;
		}
		store(key, keyBytes, value, ttl, 0, now);
		return true;
	}

	/**
	 * When a key expires.
	 * @param key the key
	 * @return the expiry, or {@code null} if the key is absent, expired or has no TTL
	 */
	@Nullable Instant expiresAt(String key) {
		Entry entry = this.entries.get(key);
		return (entry == null || entry.isExpired(this.clock.instant())) ? null : entry.expiresAt;
	}

	/**
	 * Give a visible key a new TTL from now (extending or shortening it); an entry
	 * without a TTL gets one and so becomes evictable. Counts as a use of the entry.
	 * @param key the key
	 * @param ttl the new time to live, positive
	 * @return whether the key was visible
	 */
	boolean touch(String key, Duration ttl) {
		Objects.requireNonNull(ttl, "ttl");
		checkTtl(ttl);
		Instant now = this.clock.instant();
		Entry entry = live(key, now);
		if (entry == null) {
			return false;
		}
		if (entry.expiresAt != null) {
			this.byExpiry.remove(entry);
			this.mayExpire.get(key);
		}
		else {
			this.mayExpire.put(key, entry);
			this.mayExpireBytes += entry.cost;
		}
		entry.expiresAt = plus(now, ttl);
		entry.sequence = this.sequence++;
		this.byExpiry.add(entry);
		return true;
	}

	/**
	 * Remove the expired entries.
	 * @return how many were removed
	 */
	int sweep() {
		return sweep(this.clock.instant());
	}

	/**
	 * The earliest expiry among the entries not yet removed, which may be in the past if
	 * they were not swept: when the next {@link #sweep()} has work.
	 * @return the earliest expiry, or {@code null} if no entry has a TTL
	 */
	@Nullable Instant nextExpiry() {
		return this.byExpiry.isEmpty() ? null : this.byExpiry.first().expiresAt;
	}

	/**
	 * The number of entries, including expired ones not yet removed.
	 * @return the entry count
	 */
	int entries() {
		return this.entries.size();
	}

	/**
	 * The bytes charged for the entries, including expired ones not yet removed.
	 * @return the bytes used, never more than {@link #maxBytes()}
	 */
	long bytesUsed() {
		return this.bytesUsed;
	}

	/**
	 * The byte budget.
	 * @return the budget in bytes
	 */
	long maxBytes() {
		return this.maxBytes;
	}

	/**
	 * How many entries were evicted (least recently used, with a TTL, not yet expired) to
	 * make room.
	 * @return the eviction count
	 */
	long evictions() {
		return this.evictions;
	}

	/**
	 * How many writes were refused with a {@link StoreFullException}.
	 * @return the refusal count
	 */
	long refusals() {
		return this.refusals;
	}

	/**
	 * How many entries were removed because they expired (by a sweep, to make room, or
	 * found expired by an operation on their key).
	 * @return the expiration count
	 */
	long expirations() {
		return this.expirations;
	}

	private void store(String key, int keyBytes, byte[] value, @Nullable Duration ttl, long owner, Instant now) {
		long cost = (long) keyBytes + value.length + ENTRY_OVERHEAD;
		Entry existing = this.entries.get(key);
		long freedByReplacing = (existing != null) ? existing.cost : 0;
		if (this.bytesUsed - freedByReplacing + cost > this.maxBytes) {
			long unevictable = this.bytesUsed - this.mayExpireBytes
					- ((existing != null && existing.expiresAt == null) ? existing.cost : 0);
			if (unevictable + cost > this.maxBytes) {
				this.refusals++;
				throw new StoreFullException(key, cost, this.maxBytes, unevictable);
			}
		}
		if (existing != null) {
			remove(existing);
			if (existing.isExpired(now)) {
				expired(existing);
			}
		}
		if (this.bytesUsed + cost > this.maxBytes) {
			sweep(now);
			Iterator<Entry> eldest = this.mayExpire.values().iterator();
			while (this.bytesUsed + cost > this.maxBytes) {
				Entry victim = eldest.next();
				eldest.remove();
				this.byExpiry.remove(victim);
				this.entries.remove(victim.key);
				unhold(victim);
				this.bytesUsed -= victim.cost;
				this.mayExpireBytes -= victim.cost;
				this.evictions++;
			}
		}
		Entry entry = new Entry(key, value, cost, (ttl != null) ? plus(now, ttl) : null, this.sequence++);
		entry.owner = owner;
		if (owner != 0) {
			this.held.computeIfAbsent(owner, (o) -> new HashSet<>()).add(key);
		}
		this.entries.put(key, entry);
		this.bytesUsed += cost;
		if (entry.expiresAt != null) {
			this.mayExpire.put(key, entry);
			this.mayExpireBytes += cost;
			this.byExpiry.add(entry);
		}
	}

	private int sweep(Instant now) {
		int removed = 0;
		while (!this.byExpiry.isEmpty() && this.byExpiry.first().isExpired(now)) {
			Entry entry = this.byExpiry.first();
			remove(entry);
			expired(entry);
			removed++;
		}
		return removed;
	}

	/** The entry of a key if visible; an expired one is removed. */
	private @Nullable Entry live(String key, Instant now) {
		Entry entry = this.entries.get(key);
		if (entry != null && entry.isExpired(now)) {
			remove(entry);
			expired(entry);
			return null;
		}
		return entry;
	}

	private void expired(Entry entry) {
		this.expirations++;
		this.expired.accept(entry.key, entry.value);
	}

	private void unhold(Entry entry) {
		if (entry.owner != 0) {
			Set<String> keys = this.held.get(entry.owner);
			if (keys != null && keys.remove(entry.key) && keys.isEmpty()) {
				this.held.remove(entry.owner);
			}
		}
	}

	private void remove(Entry entry) {
		unhold(entry);
		this.entries.remove(entry.key);
		this.bytesUsed -= entry.cost;
		if (entry.expiresAt != null) {
			this.byExpiry.remove(entry);
			this.mayExpire.remove(entry.key);
			this.mayExpireBytes -= entry.cost;
		}
	}

	private static int checkKey(String key) {
		Objects.requireNonNull(key, "key");
		if (key.isEmpty()) {
			throw new IllegalArgumentException("A store key must not be empty");
		}
		int bytes = utf8Length(key);
		if (bytes > MAX_KEY_BYTES) {
			throw new IllegalArgumentException(
					"A store key must be at most " + MAX_KEY_BYTES + " UTF-8 bytes, was " + bytes);
		}
		return bytes;
	}

	private static void checkTtl(@Nullable Duration ttl) {
		if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
			throw new IllegalArgumentException("A store TTL must be positive, was " + ttl);
		}
	}

	static int utf8Length(String text) {
		int bytes = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < 0x80) {
				bytes += 1;
			}
			else if (c < 0x800) {
				bytes += 2;
			}
			else if (Character.isHighSurrogate(c) && i + 1 < text.length()
					&& Character.isLowSurrogate(text.charAt(i + 1))) {
				bytes += 4;
				i++;
			}
			else {
				bytes += 3;
			}
		}
		return bytes;
	}

	private static Instant plus(Instant now, Duration ttl) {
		try {
			return now.plus(ttl);
		}
		catch (DateTimeException | ArithmeticException ex) {
			return Instant.MAX;
		}
	}

	private static final class Entry {

		final String key;

		final byte[] value;

		final long cost;

		@Nullable Instant expiresAt;

		long sequence;

		/** Who holds the entry ({@link #hold}), or 0. */
		long owner;

		Entry(String key, byte[] value, long cost, @Nullable Instant expiresAt, long sequence) {
			this.key = key;
			this.value = value;
			this.cost = cost;
			this.expiresAt = expiresAt;
			this.sequence = sequence;
		}

		boolean isExpired(Instant now) {
			return this.expiresAt != null && !now.isBefore(this.expiresAt);
		}

	}

}
