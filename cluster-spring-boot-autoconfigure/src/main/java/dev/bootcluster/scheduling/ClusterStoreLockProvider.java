package dev.bootcluster.scheduling;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import net.javacrumbs.shedlock.core.AbstractSimpleLock;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

import dev.bootcluster.ClusterStore;

/**
 * A ShedLock {@link ExtensibleLockProvider} on the master's cluster store: the lock of a
 * task named {@code name} is the key {@value #PREFIX}{@code name},
 * {@link ClusterStore#hold held} by this process for {@code lockAtMostFor}, so it is gone
 * as soon as its holder dies, even by {@code kill -9}, or when {@code lockAtMostFor} runs
 * out.
 * <p>
 * Each lock taken has a value of its own (this process and a random id), so a second
 * thread of the same process cannot take a lock already held. {@code unlock()} before
 * {@code lockAtLeastFor} has passed keeps the key for the rest of it, no longer held (it
 * outlives its holder, as a database row of ShedLock's JDBC provider would); after it,
 * the key is removed. {@code extend()} renews the hold with the new
 * {@code lockAtMostFor}, and fails if another process took the lock meanwhile.
 * <p>
 * The store lives in the master: locks are shared by the workers of one cluster, not
 * between hosts (use ShedLock's Redis or JDBC provider there) and are gone when the
 * master stops.
 */
public final class ClusterStoreLockProvider implements ExtensibleLockProvider {

	/** The prefix of the lock keys. */
	public static final String PREFIX = "shedlock:";

	private static final Duration SHORTEST = Duration.ofMillis(1);

	private final ClusterStore store;

	/**
	 * Create a provider. Time is ShedLock's ({@link ClockProvider}), as in its own
	 * providers and in the lock configurations it makes.
	 * @param store the cluster store
	 */
	public ClusterStoreLockProvider(ClusterStore store) {
		this.store = Objects.requireNonNull(store, "store");
	}

	@Override
	public Optional<SimpleLock> lock(LockConfiguration configuration) {
		String key = PREFIX + configuration.getName();
		byte[] value = (ProcessHandle.current().pid() + ":" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
		if (!this.store.hold(key, value, positive(configuration.getLockAtMostFor()))) {
			return Optional.empty();
		}
		return Optional.of(new StoreLock(configuration, key, value));
	}

	private static Duration positive(Duration duration) {
		return (duration.compareTo(SHORTEST) < 0) ? SHORTEST : duration;
	}

	private final class StoreLock extends AbstractSimpleLock {

		private final String key;

		private final byte[] value;

		StoreLock(LockConfiguration configuration, String key, byte[] value) {
			super(configuration);
			this.key = key;
			this.value = value;
		}

		@Override
		protected void doUnlock() {
			Duration rest = Duration.between(ClockProvider.now(), this.lockConfiguration.getLockAtLeastUntil());
			if (rest.compareTo(SHORTEST) >= 0) {
				// the same value, no longer held: it stays for lockAtLeastFor even if
				// this
				// process dies, and only if the lock is still this one
				ClusterStoreLockProvider.this.store.compareAndSet(this.key, this.value, this.value, rest);
			}
			else {
				ClusterStoreLockProvider.this.store.release(this.key, this.value);
			}
		}

		@Override
		protected Optional<SimpleLock> doExtend(LockConfiguration configuration) {
			if (!ClusterStoreLockProvider.this.store.hold(this.key, this.value,
					positive(configuration.getLockAtMostFor()))) {
				return Optional.empty();
			}
			return Optional.of(new StoreLock(configuration, this.key, this.value));
		}

	}

}
