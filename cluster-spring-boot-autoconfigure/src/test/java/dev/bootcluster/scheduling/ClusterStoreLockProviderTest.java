package dev.bootcluster.scheduling;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.bootcluster.master.LocalClusterStore;
import dev.bootcluster.master.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterStoreLockProvider} on a STANDALONE application's store (the
 * master's store in-process, with its real TTLs); {@code lockAtLeastFor} is measured on
 * ShedLock's clock, which the test moves.
 */
class ClusterStoreLockProviderTest {

	private final LocalClusterStore store = new LocalClusterStore(1024 * 1024);

	private final MutableClock clock = new MutableClock(Instant.now());

	private final ClusterStoreLockProvider provider = new ClusterStoreLockProvider(this.store);

	@BeforeEach
	void useTheTestsClock() {
		ClockProvider.setClock(this.clock);
	}

	@AfterEach
	void closeStore() {
		ClockProvider.setClock(Clock.systemUTC());
		this.store.close();
	}

	private LockConfiguration config(String name, Duration atMost, Duration atLeast) {
		return new LockConfiguration(this.clock.instant(), name, atMost, atLeast);
	}

	@Test
	void heldLockMakesOtherAttemptsFailUntilUnlocked() {
		Optional<SimpleLock> lock = this.provider.lock(config("report", Duration.ofMinutes(1), Duration.ZERO));
		assertThat(lock).isPresent();
		assertThat(this.store.get("shedlock:report")).isNotNull();
		// another thread of this very process, too
		assertThat(this.provider.lock(config("report", Duration.ofMinutes(1), Duration.ZERO))).isEmpty();
		assertThat(this.provider.lock(config("other", Duration.ofMinutes(1), Duration.ZERO))).isPresent();
		lock.get().unlock();
		assertThat(this.store.get("shedlock:report")).isNull();
		assertThat(this.provider.lock(config("report", Duration.ofMinutes(1), Duration.ZERO))).isPresent();
	}

	@Test
	void lockEndsWhenLockAtMostForRunsOut() {
		assertThat(this.provider.lock(config("short", Duration.ofMillis(200), Duration.ZERO))).isPresent();
		assertThat(this.provider.lock(config("short", Duration.ofMillis(200), Duration.ZERO))).isEmpty();
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(5))
			.until(() -> this.provider.lock(config("short", Duration.ofMinutes(1), Duration.ZERO)).isPresent());
	}

	@Test
	void unlockBeforeLockAtLeastForKeepsTheKeyForTheRestOfItNoLongerHeld() {
		SimpleLock lock = this.provider.lock(config("atLeast", Duration.ofMinutes(1), Duration.ofSeconds(10)))
			.orElseThrow();
		this.clock.advance(Duration.ofSeconds(4));
		lock.unlock();
		byte[] value = this.store.get("shedlock:atLeast");
		assertThat(value).isNotNull();
		assertThat(this.provider.lock(config("atLeast", Duration.ofMinutes(1), Duration.ZERO))).isEmpty();
		// no longer held: a hold by this process with the same value is refused too
		assertThat(this.store.hold("shedlock:atLeast", value, Duration.ofSeconds(1))).isFalse();
	}

	@Test
	void unlockAfterLockAtLeastForRemovesTheKey() {
		SimpleLock lock = this.provider.lock(config("done", Duration.ofMinutes(1), Duration.ofSeconds(10)))
			.orElseThrow();
		this.clock.advance(Duration.ofSeconds(10));
		lock.unlock();
		assertThat(this.store.get("shedlock:done")).isNull();
	}

	@Test
	void extendRenewsTheHoldWithTheNewLockAtMostFor() {
		SimpleLock lock = this.provider.lock(config("long", Duration.ofMillis(300), Duration.ZERO)).orElseThrow();
		Optional<SimpleLock> extended = lock.extend(Duration.ofMinutes(1), Duration.ZERO);
		assertThat(extended).isPresent();
		// well past the first lockAtMostFor (300 ms): still there
		org.awaitility.Awaitility.await()
			.during(Duration.ofMillis(800))
			.atMost(Duration.ofSeconds(5))
			.until(() -> this.store.get("shedlock:long") != null);
		assertThat(this.provider.lock(config("long", Duration.ofMinutes(1), Duration.ZERO))).isEmpty();
		extended.get().unlock();
		assertThat(this.store.get("shedlock:long")).isNull();
	}

	@Test
	void extendFailsOnceAnotherTookTheLock() {
		SimpleLock lock = this.provider.lock(config("lost", Duration.ofMinutes(1), Duration.ZERO)).orElseThrow();
		// what the master does when the holder's connection closes, and another takes it
		this.store.delete("shedlock:lost");
		assertThat(this.provider.lock(config("lost", Duration.ofMinutes(1), Duration.ZERO))).isPresent();
		assertThat(lock.extend(Duration.ofMinutes(1), Duration.ZERO)).isEmpty();
	}

	@Test
	void shedLocksExecutorSkipsARunWhileAnotherHoldsTheLock() throws Throwable {
		DefaultLockingTaskExecutor executor = new DefaultLockingTaskExecutor(this.provider);
		AtomicInteger runs = new AtomicInteger();
		AtomicInteger contending = new AtomicInteger();
		LockConfiguration configuration = config("job", Duration.ofMinutes(1), Duration.ZERO);
		executor.executeWithLock((Runnable) () -> {
			runs.incrementAndGet();
			// another thread's run while this one holds the lock is skipped
			Thread other = new Thread(() -> {
				try {
					executor.executeWithLock((Runnable) contending::incrementAndGet, configuration);
				}
				catch (Throwable ex) {
					throw new IllegalStateException(ex);
				}
			});
			other.start();
			try {
				other.join(10_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, configuration);
		executor.executeWithLock((Runnable) runs::incrementAndGet, configuration);
		assertThat(runs).hasValue(2);
		assertThat(contending).hasValue(0);
	}

}
