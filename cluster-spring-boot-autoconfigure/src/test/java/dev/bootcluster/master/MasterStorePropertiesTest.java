package dev.bootcluster.master;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Properties of {@link MasterStore} against a simple model (a map in use order with
 * expiry times, evicting by scanning): visible contents, refusals and the byte budget.
 * (Named {@code *Test} so that Surefire's default includes pick it up.)
 */
class MasterStorePropertiesTest {

	private static final String[] KEYS = { "a", "b", "c", "d", "e", "f", "g", "h" };

	private static final long BUDGET = 6 * (1 + 10 + MasterStore.ENTRY_OVERHEAD);

	enum Kind {

		PUT, GET, DELETE, CAS_ABSENT, CAS_CURRENT, CAS_OTHER, TOUCH, SWEEP, ADVANCE

	}

	/** One operation; ttl 0 means none. */
	record Op(Kind kind, int key, int length, int ttlSeconds, int seconds) {
	}

	@Property(tries = 300)
	void storeBehavesLikeTheModel(@ForAll("ops") List<Op> ops) {
		MutableClock clock = new MutableClock();
		MasterStore store = new MasterStore(clock, BUDGET);
		Model model = new Model();
		for (Op op : ops) {
			String key = KEYS[op.key()];
			Instant now = clock.instant();
			Duration ttl = (op.ttlSeconds() > 0) ? Duration.ofSeconds(op.ttlSeconds()) : null;
			byte[] value = value(op);
			switch (op.kind()) {
				case PUT, CAS_ABSENT, CAS_CURRENT, CAS_OTHER -> {
					byte @Nullable [] expected = switch (op.kind()) {
						case CAS_ABSENT -> null;
						case CAS_CURRENT -> model.visible(key, now);
						case CAS_OTHER -> new byte[] { 42 };
						default -> null;
					};
					boolean matches = op.kind() == Kind.PUT || ((expected == null) ? model.visible(key, now) == null
							: Arrays.equals(expected, model.visible(key, now)));
					boolean fits = !matches || model.fits(key, value, ttl, now);
					if (!fits) {
						assertThatExceptionOfType(StoreFullException.class)
							.isThrownBy(() -> write(store, op, key, expected, value, ttl));
					}
					else {
						assertThat(write(store, op, key, expected, value, ttl)).isEqualTo(matches);
						if (matches) {
							model.store(key, value, ttl, now);
						}
					}
				}
				case GET -> assertThat(store.get(key)).isEqualTo(model.get(key, now));
				case DELETE -> assertThat(store.delete(key)).isEqualTo(model.delete(key, now));
				case TOUCH -> assertThat(store.touch(key, Duration.ofSeconds(op.ttlSeconds() + 1)))
					.isEqualTo(model.touch(key, Duration.ofSeconds(op.ttlSeconds() + 1), now));
				case SWEEP -> store.sweep();
				case ADVANCE -> clock.advance(Duration.ofSeconds(op.seconds()));
			}
			Instant after = clock.instant();
			assertThat(store.bytesUsed()).isLessThanOrEqualTo(BUDGET);
			for (String each : KEYS) {
				assertThat(store.peek(each)).as(each).isEqualTo(model.visible(each, after));
				assertThat(store.expiresAt(each)).as(each).isEqualTo(model.expiresAt(each, after));
			}
		}
		store.sweep();
		assertThat(store.bytesUsed()).isEqualTo(model.liveBytes(clock.instant()));
		assertThat(store.entries()).isEqualTo(model.liveCount(clock.instant()));
	}

	private static boolean write(MasterStore store, Op op, String key, byte @Nullable [] expected, byte[] value,
			@Nullable Duration ttl) {
		if (op.kind() == Kind.PUT) {
			store.put(key, value, ttl);
			return true;
		}
		return store.compareAndSet(key, expected, value, ttl);
	}

	private static byte[] value(Op op) {
		byte[] value = new byte[op.length()];
		Arrays.fill(value, (byte) (op.length() % 3));
		return value;
	}

	@Provide
	Arbitrary<List<Op>> ops() {
		Arbitrary<Op> op = Combinators
			.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(0, KEYS.length - 1),
					Arbitraries.integers().between(0, 200), Arbitraries.integers().between(0, 5),
					Arbitraries.integers().between(1, 4))
			.as(Op::new);
		return op.list().ofMaxSize(60);
	}

	private static final class Model {

		/** In use order, eldest first. */
		private final LinkedHashMap<String, Item> items = new LinkedHashMap<>();

		record Item(byte[] value, @Nullable Instant expiresAt) {

			boolean expired(Instant now) {
				return this.expiresAt != null && !now.isBefore(this.expiresAt);
			}

			long cost(String key) {
				return key.length() + this.value.length + MasterStore.ENTRY_OVERHEAD;
			}

		}

		byte @Nullable [] visible(String key, Instant now) {
			Item item = this.items.get(key);
			return (item == null || item.expired(now)) ? null : item.value();
		}

		@Nullable Instant expiresAt(String key, Instant now) {
			Item item = this.items.get(key);
			return (item == null || item.expired(now)) ? null : item.expiresAt();
		}

		byte @Nullable [] get(String key, Instant now) {
			byte[] value = visible(key, now);
			if (value != null) {
				this.items.put(key, this.items.remove(key));
			}
			return value;
		}

		boolean delete(String key, Instant now) {
			boolean visible = visible(key, now) != null;
			this.items.remove(key);
			return visible;
		}

		boolean touch(String key, Duration ttl, Instant now) {
			if (visible(key, now) == null) {
				return false;
			}
			Item item = this.items.remove(key);
			this.items.put(key, new Item(item.value(), now.plus(ttl)));
			return true;
		}

		boolean fits(String key, byte[] value, @Nullable Duration ttl, Instant now) {
			long cost = key.length() + value.length + MasterStore.ENTRY_OVERHEAD;
			long fixed = 0;
			for (Map.Entry<String, Item> entry : this.items.entrySet()) {
				if (!entry.getKey().equals(key) && entry.getValue().expiresAt() == null) {
					fixed += entry.getValue().cost(entry.getKey());
				}
			}
			return fixed + cost <= BUDGET;
		}

		void store(String key, byte[] value, @Nullable Duration ttl, Instant now) {
			long cost = key.length() + value.length + MasterStore.ENTRY_OVERHEAD;
			this.items.remove(key);
			if (used() + cost > BUDGET) {
				this.items.values().removeIf((item) -> item.expired(now));
				Iterator<Map.Entry<String, Item>> eldest = this.items.entrySet().iterator();
				while (used() + cost > BUDGET) {
					Map.Entry<String, Item> entry = eldest.next();
					if (entry.getValue().expiresAt() != null) {
						eldest.remove();
					}
				}
			}
			this.items.put(key, new Item(value, (ttl != null) ? now.plus(ttl) : null));
		}

		long used() {
			long used = 0;
			for (Map.Entry<String, Item> entry : this.items.entrySet()) {
				used += entry.getValue().cost(entry.getKey());
			}
			return used;
		}

		long liveBytes(Instant now) {
			long bytes = 0;
			for (Map.Entry<String, Item> entry : this.items.entrySet()) {
				if (!entry.getValue().expired(now)) {
					bytes += entry.getValue().cost(entry.getKey());
				}
			}
			return bytes;
		}

		int liveCount(Instant now) {
			List<String> live = new ArrayList<>();
			this.items.forEach((key, item) -> {
				if (!item.expired(now)) {
					live.add(key);
				}
			});
			return live.size();
		}

	}

}
