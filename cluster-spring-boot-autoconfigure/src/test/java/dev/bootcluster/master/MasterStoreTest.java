package dev.bootcluster.master;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link MasterStore}.
 */
class MasterStoreTest {

	private static final Duration MINUTE = Duration.ofMinutes(1);

	private final MutableClock clock = new MutableClock();

	private final MasterStore store = new MasterStore(this.clock, 1_000_000);

	@Test
	void putGetDelete() {
		assertThat(this.store.get("a")).isNull();
		byte[] value = bytes("one");
		this.store.put("a", value, null);
		assertThat(this.store.get("a")).isSameAs(value);
		this.store.put("a", bytes("two"), null);
		assertThat(this.store.get("a")).isEqualTo(bytes("two"));
		assertThat(this.store.delete("a")).isTrue();
		assertThat(this.store.get("a")).isNull();
		assertThat(this.store.delete("a")).isFalse();
		assertThat(this.store.entries()).isZero();
	}

	@Test
	void keysAreValidated() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.put("", bytes("x"), null))
			.withMessageContaining("empty");
		String longest = "é".repeat(512);
		this.store.put(longest, bytes("x"), null);
		assertThat(this.store.get(longest)).isEqualTo(bytes("x"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.put(longest + "a", bytes("x"), null))
			.withMessageContaining("1024")
			.withMessageContaining("1025");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.store.compareAndSet("b".repeat(1025), null, bytes("x"), null))
			.withMessageContaining("1024");
	}

	@Test
	void utf8LengthMatchesTheEncoder() {
		for (String text : new String[] { "a", "é", "€", "\uD83D\uDE00", "aé€\uD83D\uDE00z" }) {
			assertThat(MasterStore.utf8Length(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
		}
	}

	@Test
	void nonPositiveTtlIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.put("a", bytes("x"), Duration.ZERO));
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.put("a", bytes("x"), Duration.ofSeconds(-1)));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.store.compareAndSet("a", null, bytes("x"), Duration.ZERO));
		this.store.put("a", bytes("x"), null);
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.touch("a", Duration.ZERO));
		assertThat(this.store.entries()).isEqualTo(1);
	}

	@Test
	void expiredEntryIsInvisibleBeforeASweep() {
		Instant start = this.clock.instant();
		this.store.put("a", bytes("x"), MINUTE);
		assertThat(this.store.expiresAt("a")).isEqualTo(start.plus(MINUTE));
		this.clock.advance(MINUTE.minusMillis(1));
		assertThat(this.store.get("a")).isEqualTo(bytes("x"));
		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.store.peek("a")).isNull();
		assertThat(this.store.expiresAt("a")).isNull();
		assertThat(this.store.get("a")).isNull();
		assertThat(this.store.delete("a")).isFalse();
	}

	@Test
	void sweepRemovesExpiredEntriesAndCountsThem() {
		Instant start = this.clock.instant();
		this.store.put("a", bytes("x"), Duration.ofSeconds(10));
		this.store.put("b", bytes("x"), Duration.ofSeconds(20));
		this.store.put("c", bytes("x"), Duration.ofSeconds(30));
		this.store.put("d", bytes("x"), null);
		assertThat(this.store.nextExpiry()).isEqualTo(start.plusSeconds(10));
		assertThat(this.store.sweep()).isZero();
		this.clock.advance(Duration.ofSeconds(20));
		assertThat(this.store.entries()).isEqualTo(4);
		assertThat(this.store.sweep()).isEqualTo(2);
		assertThat(this.store.entries()).isEqualTo(2);
		assertThat(this.store.expirations()).isEqualTo(2);
		assertThat(this.store.bytesUsed()).isEqualTo(2 * (1 + 1 + MasterStore.ENTRY_OVERHEAD));
		assertThat(this.store.nextExpiry()).isEqualTo(start.plusSeconds(30));
		assertThat(this.store.sweep()).isZero();
		this.clock.advance(Duration.ofDays(1));
		assertThat(this.store.sweep()).isEqualTo(1);
		assertThat(this.store.nextExpiry()).isNull();
		assertThat(this.store.get("d")).isEqualTo(bytes("x"));
		assertThat(this.store.expirations()).isEqualTo(3);
	}

	@Test
	void putReplacesTheTtl() {
		this.store.put("a", bytes("x"), MINUTE);
		this.store.put("a", bytes("y"), null);
		assertThat(this.store.expiresAt("a")).isNull();
		assertThat(this.store.nextExpiry()).isNull();
		this.clock.advance(Duration.ofDays(1));
		assertThat(this.store.get("a")).isEqualTo(bytes("y"));
	}

	@Test
	void touchExtendsTheTtl() {
		Instant start = this.clock.instant();
		this.store.put("session", bytes("x"), MINUTE);
		this.clock.advance(Duration.ofSeconds(50));
		assertThat(this.store.touch("session", MINUTE)).isTrue();
		assertThat(this.store.expiresAt("session")).isEqualTo(start.plusSeconds(110));
		assertThat(this.store.nextExpiry()).isEqualTo(start.plusSeconds(110));
		this.clock.advance(Duration.ofSeconds(30));
		assertThat(this.store.sweep()).isZero();
		assertThat(this.store.get("session")).isEqualTo(bytes("x"));
		this.clock.advance(Duration.ofSeconds(30));
		assertThat(this.store.get("session")).isNull();
		assertThat(this.store.touch("session", MINUTE)).isFalse();
		assertThat(this.store.touch("absent", MINUTE)).isFalse();
	}

	@Test
	void touchGivesATtlToAnEntryWithout() {
		Instant start = this.clock.instant();
		this.store.put("a", bytes("x"), null);
		assertThat(this.store.touch("a", MINUTE)).isTrue();
		assertThat(this.store.expiresAt("a")).isEqualTo(start.plus(MINUTE));
		this.clock.advance(MINUTE);
		assertThat(this.store.sweep()).isEqualTo(1);
		assertThat(this.store.bytesUsed()).isZero();
	}

	@Test
	void compareAndSetOnAnAbsentKey() {
		assertThat(this.store.compareAndSet("lock", bytes("x"), bytes("owner-1"), null)).isFalse();
		assertThat(this.store.get("lock")).isNull();
		assertThat(this.store.compareAndSet("lock", null, bytes("owner-1"), MINUTE)).isTrue();
		assertThat(this.store.get("lock")).isEqualTo(bytes("owner-1"));
		assertThat(this.store.compareAndSet("lock", null, bytes("owner-2"), MINUTE)).isFalse();
		assertThat(this.store.get("lock")).isEqualTo(bytes("owner-1"));
	}

	@Test
	void compareAndSetComparesBytes() {
		this.store.put("lock", bytes("owner-1"), null);
		assertThat(this.store.compareAndSet("lock", bytes("owner-2"), bytes("owner-3"), null)).isFalse();
		assertThat(this.store.get("lock")).isEqualTo(bytes("owner-1"));
		assertThat(this.store.compareAndSet("lock", bytes("owner-1"), bytes("owner-3"), MINUTE)).isTrue();
		assertThat(this.store.get("lock")).isEqualTo(bytes("owner-3"));
		assertThat(this.store.expiresAt("lock")).isEqualTo(this.clock.instant().plus(MINUTE));
	}

	@Test
	void compareAndSetTreatsAnExpiredEntryAsAbsent() {
		this.store.put("lock", bytes("owner-1"), MINUTE);
		this.clock.advance(MINUTE);
		assertThat(this.store.compareAndSet("lock", bytes("owner-1"), bytes("owner-2"), MINUTE)).isFalse();
		assertThat(this.store.compareAndSet("lock", null, bytes("owner-2"), MINUTE)).isTrue();
		assertThat(this.store.get("lock")).isEqualTo(bytes("owner-2"));
		assertThat(this.store.entries()).isEqualTo(1);
		assertThat(this.store.expirations()).isEqualTo(1);
		assertThat(this.store.bytesUsed()).isEqualTo(cost("lock", 7));
	}

	@Test
	void costIsKeyBytesValueLengthAndOverhead() {
		this.store.put("é", new byte[10], null);
		assertThat(this.store.bytesUsed()).isEqualTo(2 + 10 + MasterStore.ENTRY_OVERHEAD);
		this.store.put("é", new byte[3], MINUTE);
		assertThat(this.store.bytesUsed()).isEqualTo(2 + 3 + MasterStore.ENTRY_OVERHEAD);
		this.store.put("b", new byte[5], null);
		assertThat(this.store.bytesUsed()).isEqualTo(cost("é", 3) + cost("b", 5));
		this.store.delete("é");
		assertThat(this.store.bytesUsed()).isEqualTo(cost("b", 5));
		this.store.delete("b");
		assertThat(this.store.bytesUsed()).isZero();
		assertThat(this.store.entries()).isZero();
	}

	@Test
	void leastRecentlyUsedEntriesWithATtlAreEvictedFirst() {
		MasterStore small = new MasterStore(this.clock, 4 * cost("a", 10));
		small.put("a", new byte[10], MINUTE);
		small.put("b", new byte[10], MINUTE);
		small.put("c", new byte[10], MINUTE);
		small.put("d", new byte[10], MINUTE);
		assertThat(small.bytesUsed()).isEqualTo(small.maxBytes());
		assertThat(small.get("a")).isNotNull();
		small.put("e", new byte[10], MINUTE);
		assertThat(small.peek("b")).isNull();
		assertThat(small.peek("a")).isNotNull();
		assertThat(small.evictions()).isEqualTo(1);
		small.put("f", new byte[30], MINUTE);
		assertThat(small.peek("c")).isNull();
		assertThat(small.peek("d")).isNull();
		assertThat(small.peek("a")).isNotNull();
		assertThat(small.peek("e")).isNotNull();
		assertThat(small.evictions()).isEqualTo(3);
		assertThat(small.entries()).isEqualTo(3);
		assertThat(small.bytesUsed()).isLessThanOrEqualTo(small.maxBytes());
	}

	@Test
	void touchCountsAsAUse() {
		MasterStore small = new MasterStore(this.clock, 2 * cost("a", 10));
		small.put("a", new byte[10], MINUTE);
		small.put("b", new byte[10], MINUTE);
		small.touch("a", MINUTE);
		small.put("c", new byte[10], MINUTE);
		assertThat(small.peek("a")).isNotNull();
		assertThat(small.peek("b")).isNull();
	}

	@Test
	void entriesWithoutTtlAreNeverEvicted() {
		MasterStore small = new MasterStore(this.clock, 3 * cost("a", 10));
		small.put("a", new byte[10], MINUTE);
		small.put("b", new byte[10], null);
		small.put("c", new byte[10], MINUTE);
		assertThat(small.get("a")).isNotNull();
		small.put("d", new byte[10], null);
		assertThat(small.peek("c")).isNull();
		small.put("e", new byte[10], null);
		assertThat(small.peek("a")).isNull();
		assertThat(small.peek("b")).isNotNull();
		assertThat(small.peek("d")).isNotNull();
		assertThat(small.peek("e")).isNotNull();
		assertThat(small.evictions()).isEqualTo(2);
	}

	@Test
	void expiredEntriesAreDroppedBeforeAnyEviction() {
		MasterStore small = new MasterStore(this.clock, 3 * cost("a", 10));
		small.put("old", new byte[8], MINUTE);
		small.put("b", new byte[10], Duration.ofHours(1));
		small.put("soon", new byte[7], Duration.ofSeconds(1));
		assertThat(small.get("old")).isNotNull();
		this.clock.advance(Duration.ofSeconds(1));
		small.put("c", new byte[10], MINUTE);
		assertThat(small.peek("old")).isNotNull();
		assertThat(small.peek("b")).isNotNull();
		assertThat(small.evictions()).isZero();
		assertThat(small.expirations()).isEqualTo(1);
	}

	@Test
	void refusedWhenOnlyEntriesWithoutTtlFillTheBudget() {
		long budget = 3 * cost("a", 10);
		MasterStore small = new MasterStore(this.clock, budget);
		small.put("a", new byte[10], null);
		small.put("b", new byte[10], null);
		small.put("c", new byte[5], MINUTE);
		assertThatExceptionOfType(StoreFullException.class).isThrownBy(() -> small.put("big", new byte[20], MINUTE))
			.withMessageContaining("'big'")
			.withMessageContaining(cost("big", 20) + " bytes")
			.withMessageContaining(String.valueOf(budget))
			.withMessageContaining(2 * cost("a", 10) + " bytes are used by entries without a TTL")
			.satisfies((ex) -> {
				assertThat(ex.key()).isEqualTo("big");
				assertThat(ex.bytesNeeded()).isEqualTo(cost("big", 20));
				assertThat(ex.budget()).isEqualTo(budget);
				assertThat(ex.unevictableBytes()).isEqualTo(2 * cost("a", 10));
			});
		assertThat(small.peek("c")).isNotNull();
		assertThat(small.entries()).isEqualTo(3);
		assertThat(small.evictions()).isZero();
		assertThat(small.refusals()).isEqualTo(1);
		assertThat(small.bytesUsed()).isEqualTo(2 * cost("a", 10) + cost("c", 5));
		assertThatExceptionOfType(StoreFullException.class)
			.isThrownBy(() -> small.compareAndSet("big", null, new byte[20], null));
		assertThat(small.peek("c")).isNotNull();
		assertThat(small.peek("big")).isNull();
		assertThat(small.refusals()).isEqualTo(2);
		small.put("d", new byte[10], MINUTE);
		assertThat(small.peek("c")).isNull();
		assertThat(small.evictions()).isEqualTo(1);
	}

	@Test
	void refusedPutLeavesTheReplacedValue() {
		long budget = 2 * cost("a", 10);
		MasterStore small = new MasterStore(this.clock, budget);
		small.put("a", new byte[10], null);
		small.put("b", new byte[10], MINUTE);
		assertThatExceptionOfType(StoreFullException.class).isThrownBy(() -> small.put("b", new byte[90], MINUTE));
		assertThat(small.peek("b")).hasSize(10);
		assertThat(small.bytesUsed()).isEqualTo(budget);
		small.put("a", new byte[20], null);
		assertThat(small.peek("b")).isNull();
		assertThat(small.peek("a")).hasSize(20);
	}

	@Test
	void replacingAnEntryWithoutTtlUsesItsOwnBytes() {
		MasterStore small = new MasterStore(this.clock, cost("a", 10));
		small.put("a", new byte[10], null);
		small.put("a", new byte[10], null);
		assertThat(small.bytesUsed()).isEqualTo(cost("a", 10));
		assertThat(small.refusals()).isZero();
	}

	@Test
	void valueLargerThanTheBudgetIsRefused() {
		MasterStore small = new MasterStore(this.clock, 1000);
		small.put("a", new byte[10], MINUTE);
		assertThatExceptionOfType(StoreFullException.class).isThrownBy(() -> small.put("huge", new byte[1000], MINUTE))
			.withMessageContaining("'huge'")
			.withMessageContaining((4 + 1000 + MasterStore.ENTRY_OVERHEAD) + " bytes")
			.withMessageContaining("1000 bytes");
		assertThat(small.peek("a")).isNotNull();
		assertThat(small.evictions()).isZero();
		assertThat(small.refusals()).isEqualTo(1);
	}

	@Test
	void countersForMetrics() {
		MasterStore small = new MasterStore(this.clock, 2 * cost("a", 10));
		small.put("a", new byte[10], MINUTE);
		small.put("b", new byte[10], Duration.ofSeconds(1));
		assertThat(small.entries()).isEqualTo(2);
		assertThat(small.bytesUsed()).isEqualTo(2 * cost("a", 10));
		this.clock.advance(Duration.ofSeconds(1));
		small.put("c", new byte[10], MINUTE);
		small.put("d", new byte[10], MINUTE);
		assertThatExceptionOfType(StoreFullException.class).isThrownBy(() -> small.put("e", new byte[200], null));
		assertThat(small.entries()).isEqualTo(2);
		assertThat(small.expirations()).isEqualTo(1);
		assertThat(small.evictions()).isEqualTo(1);
		assertThat(small.refusals()).isEqualTo(1);
		assertThat(small.maxBytes()).isEqualTo(2 * cost("a", 10));
	}

	@Test
	void budgetMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new MasterStore(this.clock, 0));
	}

	private static long cost(String key, int valueLength) {
		return key.getBytes(StandardCharsets.UTF_8).length + valueLength + MasterStore.ENTRY_OVERHEAD;
	}

	@Test
	void holdTakesAnAbsentKeyAndRenewsOnlyForItsOwner() {
		assertThat(this.store.hold("lock", bytes("w1"), MINUTE, 11)).isTrue();
		assertThat(this.store.hold("lock", bytes("w2"), MINUTE, 12)).isFalse();
		// the same owner with another value is not a renewal either
		assertThat(this.store.hold("lock", bytes("other"), MINUTE, 11)).isFalse();
		this.clock.advance(Duration.ofSeconds(50));
		assertThat(this.store.hold("lock", bytes("w1"), MINUTE, 11)).isTrue();
		this.clock.advance(Duration.ofSeconds(50));
		assertThat(this.store.get("lock")).isEqualTo(bytes("w1"));
		this.clock.advance(Duration.ofSeconds(10));
		// not renewed for a whole TTL: gone, and another owner takes it
		assertThat(this.store.hold("lock", bytes("w2"), MINUTE, 12)).isTrue();
		assertThat(this.store.get("lock")).isEqualTo(bytes("w2"));
	}

	@Test
	void releaseOwnerRemovesWhatItStillHolds() {
		this.store.hold("a", bytes("1"), MINUTE, 11);
		this.store.hold("b", bytes("1"), MINUTE, 11);
		this.store.hold("c", bytes("2"), MINUTE, 12);
		// a plain write ends the holding
		this.store.put("b", bytes("plain"), null);
		assertThat(this.store.releaseOwner(11)).isEqualTo(1);
		assertThat(this.store.get("a")).isNull();
		assertThat(this.store.get("b")).isEqualTo(bytes("plain"));
		assertThat(this.store.get("c")).isEqualTo(bytes("2"));
		assertThat(this.store.releaseOwner(11)).isZero();
		assertThat(this.store.releaseOwner(12)).isEqualTo(1);
		assertThat(this.store.entries()).isEqualTo(1);
	}

	@Test
	void releaseRemovesOnlyTheExpectedValue() {
		this.store.hold("lock", bytes("w1"), MINUTE, 11);
		assertThat(this.store.release("lock", bytes("w2"))).isFalse();
		assertThat(this.store.release("lock", bytes("w1"))).isTrue();
		assertThat(this.store.get("lock")).isNull();
		assertThat(this.store.releaseOwner(11)).isZero();
	}

	@Test
	void holdNeedsAPositiveOwnerAndTtl() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.hold("a", bytes("1"), MINUTE, 0))
			.withMessageContaining("owner");
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.hold("a", bytes("1"), Duration.ZERO, 1))
			.withMessageContaining("TTL");
	}

	@Test
	void deleteByPrefixRemovesOnlyThatPrefix() {
		this.store.put("cache:a:1", bytes("1"), null);
		this.store.put("cache:a:2", bytes("2"), MINUTE);
		this.store.put("cache:b:1", bytes("3"), null);
		assertThat(this.store.deleteByPrefix("cache:a:")).isEqualTo(2);
		assertThat(this.store.get("cache:a:1")).isNull();
		assertThat(this.store.get("cache:b:1")).isEqualTo(bytes("3"));
		assertThat(this.store.bytesUsed())
			.isEqualTo(MasterStore.utf8Length("cache:b:1") + 1 + MasterStore.ENTRY_OVERHEAD);
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.deleteByPrefix(""));
	}

	@Test
	void expiredEntriesAreToldToTheListenerButEvictedAndDeletedOnesAreNot() {
		java.util.List<String> told = new java.util.ArrayList<>();
		MasterStore small = new MasterStore(this.clock, 3 * (MasterStore.ENTRY_OVERHEAD + 2));
		small.onExpired((key, value) -> told.add(key + "=" + new String(value, StandardCharsets.UTF_8)));
		small.put("a", bytes("1"), Duration.ofSeconds(1));
		small.put("b", bytes("2"), Duration.ofSeconds(5));
		small.put("c", bytes("3"), Duration.ofSeconds(5));
		small.delete("c");
		this.clock.advance(Duration.ofSeconds(1));
		// found expired by a read
		assertThat(small.get("a")).isNull();
		assertThat(told).containsExactly("a=1");
		small.put("d", bytes("4"), Duration.ofSeconds(5));
		small.put("e", bytes("5"), Duration.ofSeconds(5));
		// full: "b" is evicted, not expired
		small.put("f", bytes("6"), Duration.ofSeconds(5));
		assertThat(small.evictions()).isEqualTo(1);
		assertThat(told).containsExactly("a=1");
		this.clock.advance(Duration.ofSeconds(5));
		assertThat(small.sweep()).isEqualTo(3);
		assertThat(told).containsExactly("a=1", "d=4", "e=5", "f=6");
		assertThat(small.expirations()).isEqualTo(4);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
