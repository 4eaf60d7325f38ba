package dev.bootcluster.scheduling;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;

import dev.bootcluster.ClusterStore;

/**
 * The master's store as several worker processes see it, for the lease's tests: entries
 * with a TTL on a shared clock and an owner, removed when their owner {@link #die(long)
 * dies}. {@link #client(long)} is one process's view.
 */
final class FakeClusterStore {

	private final Clock clock;

	private final Map<String, Entry> entries = new HashMap<>();

	private @Nullable Runnable duringHold;

	private boolean unreachable;

	FakeClusterStore(Clock clock) {
		this.clock = clock;
	}

	/** Runs {@code action} inside each hold, as the master receives it (time passes). */
	void duringHold(Runnable action) {
		this.duringHold = action;
	}

	/** Every request fails from now on, or works again. */
	void unreachable(boolean unreachable) {
		this.unreachable = unreachable;
	}

	/** A process's connection closed: what it held is gone. */
	synchronized void die(long owner) {
		this.entries.values().removeIf((entry) -> entry.owner == owner);
	}

	synchronized @Nullable String holderOf(String key) {
		Entry entry = live(key);
		return (entry != null) ? new String(entry.value) : null;
	}

	ClusterStore client(long owner) {
		return new Client(owner);
	}

	private @Nullable Entry live(String key) {
		Entry entry = this.entries.get(key);
		if (entry != null && !this.clock.instant().isBefore(entry.expiresAt)) {
			this.entries.remove(key);
			return null;
		}
		return entry;
	}

	private void check() {
		if (this.unreachable) {
			throw new IllegalStateException("master unreachable");
		}
	}

	private record Entry(byte[] value, long owner, Instant expiresAt) {
	}

	private final class Client implements ClusterStore {

		private final long owner;

		Client(long owner) {
			this.owner = owner;
		}

		@Override
		public boolean hold(String key, byte[] value, Duration ttl) {
			synchronized (FakeClusterStore.this) {
				check();
				if (FakeClusterStore.this.duringHold != null) {
					FakeClusterStore.this.duringHold.run();
				}
				Entry current = live(key);
				if (current != null && (current.owner != this.owner || !Arrays.equals(current.value, value))) {
					return false;
				}
				FakeClusterStore.this.entries.put(key,
						new Entry(value.clone(), this.owner, FakeClusterStore.this.clock.instant().plus(ttl)));
				return true;
			}
		}

		@Override
		public boolean release(String key, byte[] value) {
			synchronized (FakeClusterStore.this) {
				check();
				Entry current = live(key);
				if (current == null || !Arrays.equals(current.value, value)) {
					return false;
				}
				FakeClusterStore.this.entries.remove(key);
				return true;
			}
		}

		@Override
		public byte @Nullable [] get(String key) {
			synchronized (FakeClusterStore.this) {
				check();
				Entry entry = live(key);
				return (entry != null) ? entry.value.clone() : null;
			}
		}

		@Override
		public void put(String key, byte[] value, @Nullable Duration ttl) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean delete(String key) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean compareAndSet(String key, byte @Nullable [] expected, byte[] value, @Nullable Duration ttl) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean touch(String key, Duration ttl) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean deleteByPrefix(String prefix) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void onExpired(String prefix, BiConsumer<String, byte[]> listener) {
			throw new UnsupportedOperationException();
		}

	}

}
