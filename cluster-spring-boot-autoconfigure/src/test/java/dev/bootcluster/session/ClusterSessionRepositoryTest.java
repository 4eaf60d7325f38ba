package dev.bootcluster.session;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.UuidSessionIdGenerator;
import org.springframework.session.events.AbstractSessionEvent;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;

import dev.bootcluster.ClusterStore;
import dev.bootcluster.master.LocalClusterStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ClusterSessionRepository} on a real (in-process) store.
 */
class ClusterSessionRepositoryTest {

	private final LocalClusterStore local = new LocalClusterStore(1 << 20);

	private final CountingStore store = new CountingStore(this.local);

	private final List<AbstractSessionEvent> events = new CopyOnWriteArrayList<>();

	private final ClusterSessionRepository sessions = new ClusterSessionRepository(this.store,
			getClass().getClassLoader(), UuidSessionIdGenerator.getInstance(), Duration.ofMinutes(30),
			(event) -> this.events.add((AbstractSessionEvent) event));

	@AfterEach
	void close() {
		this.local.close();
	}

	@Test
	void aSavedSessionIsFoundWithItsAttributesAndTimeout() {
		ClusterSession session = this.sessions.createSession();
		session.setAttribute("count", 1);
		session.setAttribute("cart", new Cart(List.of("apple")));
		session.setMaxInactiveInterval(Duration.ofMinutes(5));
		this.sessions.save(session);
		ClusterSession found = this.sessions.findById(session.getId());
		assertThat(found).isNotNull();
		assertThat(found.<Integer>getAttribute("count")).isEqualTo(1);
		assertThat(found.<Cart>getAttribute("cart")).isEqualTo(new Cart(List.of("apple")));
		assertThat(found.getAttributeNames()).containsExactlyInAnyOrder("count", "cart");
		assertThat(found.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(5));
		assertThat(found.getCreationTime()).isEqualTo(session.getCreationTime());
		assertThat(this.events).singleElement().isInstanceOf(SessionCreatedEvent.class);
	}

	@Test
	void anUnchangedSessionOnlyRenewsItsTtlAndAChangedOneIsWrittenWhole() {
		ClusterSession session = this.sessions.createSession();
		session.setAttribute("list", new ArrayList<>(List.of("a")));
		this.sessions.save(session);
		ClusterSession read = this.sessions.findById(session.getId());
		read.getAttribute("list");
		int puts = this.store.puts.get();
		this.sessions.save(read);
		assertThat(this.store.puts.get()).isEqualTo(puts);
		assertThat(this.store.touches.get()).isEqualTo(1);
		// changed in place, without setAttribute: saved, as one JVM would keep it
		read.<List<String>>getAttribute("list").add("b");
		this.sessions.save(read);
		assertThat(this.store.puts.get()).isEqualTo(puts + 1);
		assertThat(this.sessions.findById(session.getId()).<List<String>>getAttribute("list")).containsExactly("a",
				"b");
		assertThat(this.events).hasSize(1);
	}

	@Test
	void anAttributeThatCannotBeStoredFailsTheCallThatSetsItNamingItAndItsClass() {
		ClusterSession session = this.sessions.createSession();
		assertThatExceptionOfType(SessionAttributeEncodingException.class)
			.isThrownBy(() -> session.setAttribute("basket", new NotSerializable()))
			.withMessageContaining("'basket'")
			.withMessageContaining(NotSerializable.class.getName())
			.withMessageContaining("Serializable")
			.satisfies((ex) -> assertThat(ex.getAttributeName()).isEqualTo("basket"));
		assertThat(session.getAttributeNames()).isEmpty();
	}

	@Test
	void aChangedIdMovesTheSessionAndItsIndexEntry() {
		ClusterSession session = this.sessions.createSession();
		session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "alice");
		this.sessions.save(session);
		assertThat(this.sessions.findByPrincipalName("alice")).containsOnlyKeys(session.getId());
		ClusterSession read = this.sessions.findById(session.getId());
		String old = read.getId();
		String changed = read.changeSessionId();
		this.sessions.save(read);
		assertThat(this.sessions.findById(old)).isNull();
		assertThat(this.sessions.findById(changed)).isNotNull();
		assertThat(this.sessions.findByPrincipalName("alice")).containsOnlyKeys(changed);
		assertThat(this.local.get(ClusterSessionRepository.PRINCIPAL_PREFIX + "alice")).asString().isEqualTo(changed);
	}

	@Test
	void theIndexHoldsEverySessionOfAPrincipalUntilDeleted() {
		ClusterSession first = this.sessions.createSession();
		first.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "bob");
		this.sessions.save(first);
		ClusterSession second = this.sessions.createSession();
		second.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "bob");
		this.sessions.save(second);
		assertThat(this.sessions.findByPrincipalName("bob")).containsOnlyKeys(first.getId(), second.getId());
		assertThat(this.sessions.findByIndexNameAndIndexValue("other", "bob")).isEmpty();
		this.sessions.deleteById(first.getId());
		assertThat(this.events).last().isInstanceOf(SessionDeletedEvent.class);
		assertThat(this.sessions.findByPrincipalName("bob")).containsOnlyKeys(second.getId());
		this.sessions.deleteById(second.getId());
		assertThat(this.local.get(ClusterSessionRepository.PRINCIPAL_PREFIX + "bob")).isNull();
		// deleting what is gone publishes nothing
		int count = this.events.size();
		this.sessions.deleteById(second.getId());
		assertThat(this.events).hasSize(count);
	}

	@Test
	void anExpiredSessionIsGoneAndItsExpiryIsPublished() {
		ClusterSession session = this.sessions.createSession();
		session.setMaxInactiveInterval(Duration.ofMillis(300));
		session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "carol");
		this.sessions.save(session);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.events).anyMatch(SessionExpiredEvent.class::isInstance));
		SessionExpiredEvent expired = (SessionExpiredEvent) this.events.stream()
			.filter(SessionExpiredEvent.class::isInstance)
			.findFirst()
			.get();
		assertThat(expired.getSessionId()).isEqualTo(session.getId());
		assertThat(this.sessions.findById(session.getId())).isNull();
		assertThat(this.local.get(ClusterSessionRepository.PRINCIPAL_PREFIX + "carol")).isNull();
	}

	@Test
	void aSessionDeletedElsewhereIsNotBroughtBackByAnUnchangedSave() {
		ClusterSession session = this.sessions.createSession();
		session.setAttribute("a", "b");
		this.sessions.save(session);
		ClusterSession read = this.sessions.findById(session.getId());
		this.sessions.deleteById(session.getId());
		this.sessions.save(read);
		assertThat(this.sessions.findById(session.getId())).isNull();
	}

	record Cart(List<String> items) implements Serializable {
	}

	static final class NotSerializable {

	}

	/** Counts writes. */
	static final class CountingStore implements ClusterStore {

		final ClusterStore delegate;

		final AtomicInteger puts = new AtomicInteger();

		final AtomicInteger touches = new AtomicInteger();

		CountingStore(ClusterStore delegate) {
			this.delegate = delegate;
		}

		@Override
		public byte @Nullable [] get(String key) {
			return this.delegate.get(key);
		}

		@Override
		public void put(String key, byte[] value, @Nullable Duration ttl) {
			if (key.startsWith(ClusterSessionRepository.SESSION_PREFIX)) {
				this.puts.incrementAndGet();
			}
			this.delegate.put(key, value, ttl);
		}

		@Override
		public boolean delete(String key) {
			return this.delegate.delete(key);
		}

		@Override
		public boolean compareAndSet(String key, byte @Nullable [] expected, byte[] value, @Nullable Duration ttl) {
			return this.delegate.compareAndSet(key, expected, value, ttl);
		}

		@Override
		public boolean touch(String key, Duration ttl) {
			this.touches.incrementAndGet();
			return this.delegate.touch(key, ttl);
		}

		@Override
		public boolean hold(String key, byte[] value, Duration ttl) {
			return this.delegate.hold(key, value, ttl);
		}

		@Override
		public boolean release(String key, byte[] value) {
			return this.delegate.release(key, value);
		}

		@Override
		public boolean deleteByPrefix(String prefix) {
			return this.delegate.deleteByPrefix(prefix);
		}

		@Override
		public void onExpired(String prefix, BiConsumer<String, byte[]> listener) {
			this.delegate.onExpired(prefix, listener);
		}

	}

}
