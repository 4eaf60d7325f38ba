package dev.bootcluster.session;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.IndexResolver;
import org.springframework.session.PrincipalNameIndexResolver;
import org.springframework.session.Session;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;

import dev.bootcluster.ClusterStore;

/**
 * Spring Session's repository on the master's {@link ClusterStore}: a session is one
 * entry ({@value #SESSION_PREFIX}{@code <id>}) whose TTL is its maximum inactive
 * interval, renewed by every request that uses it, so the master expires it as Tomcat
 * would. The principal index (for Spring Security's session registry and
 * {@link #findByPrincipalName}) is one entry per principal listing its session ids.
 * <p>
 * Events: {@link SessionCreatedEvent} when a new session is first saved, and
 * {@link SessionDeletedEvent} when it is deleted, in the worker that did it;
 * {@link SessionExpiredEvent} in one worker when the master expires it.
 * <p>
 * Two requests of one session on two workers at the same time: the last save wins, as
 * with Spring Session's other repositories without delta saves.
 */
public final class ClusterSessionRepository implements FindByIndexNameSessionRepository<ClusterSession> {

	private static final Log logger = LogFactory.getLog(ClusterSessionRepository.class);

	/** Key prefix of session entries. */
	public static final String SESSION_PREFIX = "spring:session:sessions:";

	/** Key prefix of the principal index entries. */
	public static final String PRINCIPAL_PREFIX = "spring:session:index:principal:";

	private static final int CAS_ATTEMPTS = 32;

	private final ClusterStore store;

	private final SessionCodec codec;

	private final SessionIdGenerator ids;

	private final Duration defaultMaxInactiveInterval;

	private final ApplicationEventPublisher events;

	private final Clock clock;

	private final IndexResolver<Session> principals = new PrincipalNameIndexResolver<>();

	public ClusterSessionRepository(ClusterStore store, ClassLoader classLoader, SessionIdGenerator ids,
			Duration defaultMaxInactiveInterval, ApplicationEventPublisher events) {
		this(store, new SessionCodec(classLoader), ids, defaultMaxInactiveInterval, events, Clock.systemUTC());
	}

	ClusterSessionRepository(ClusterStore store, SessionCodec codec, SessionIdGenerator ids,
			Duration defaultMaxInactiveInterval, ApplicationEventPublisher events, Clock clock) {
		this.store = store;
		this.codec = codec;
		this.ids = ids;
		this.defaultMaxInactiveInterval = defaultMaxInactiveInterval;
		this.events = events;
		this.clock = clock;
		store.onExpired(SESSION_PREFIX, this::expired);
	}

	@Override
	public ClusterSession createSession() {
		return new ClusterSession(this.codec, this.ids, this.clock, this.defaultMaxInactiveInterval);
	}

	@Override
	public void save(ClusterSession session) {
		boolean isNew = session.isNew();
		String previousId = session.getOriginalId();
		boolean idChanged = !isNew && !previousId.equals(session.getId());
		Map<String, byte[]> encoded = session.encodeAttributes();
		String principal = this.principals.resolveIndexesFor(session).get(PRINCIPAL_NAME_INDEX_NAME);
		String indexed = session.indexedPrincipal();
		if (session.changedSinceStored(encoded) || !java.util.Objects.equals(principal, indexed)) {
			this.store.put(key(session.getId()), this.codec.encode(session.toStored(encoded, principal)),
					ttl(session.getMaxInactiveInterval()));
			if (idChanged) {
				this.store.delete(key(previousId));
			}
		}
		else {
			Duration ttl = ttl(session.getMaxInactiveInterval());
			if (ttl != null && !this.store.touch(key(session.getId()), ttl)) {
				// expired or deleted meanwhile (a logout through another worker): not
				// brought back
				logger.debug("Session " + session.getId() + " is gone from the store; not saved");
				return;
			}
		}
		if (indexed != null && (idChanged || !indexed.equals(principal))) {
			unindex(indexed, previousId);
		}
		if (principal != null && (idChanged || !principal.equals(indexed) || isNew)) {
			index(principal, session.getId());
		}
		session.saved(encoded, principal);
		if (isNew) {
			this.events.publishEvent(new SessionCreatedEvent(this, session));
		}
	}

	@Override
	public @Nullable ClusterSession findById(String id) {
		byte[] bytes = this.store.get(key(id));
		if (bytes == null) {
			return null;
		}
		ClusterSession session;
		try {
			session = new ClusterSession(this.codec, this.ids, this.clock, this.codec.decode(bytes));
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Dropping session " + id + " that cannot be read: " + ex.getMessage());
			this.store.delete(key(id));
			return null;
		}
		if (session.isExpired()) {
			// the store's TTL follows the last save; a session's own clock can be ahead
			deleteById(id);
			return null;
		}
		return session;
	}

	@Override
	public void deleteById(String id) {
		byte[] bytes = this.store.get(key(id));
		if (bytes == null || !this.store.delete(key(id))) {
			return;
		}
		ClusterSession session = readQuietly(bytes);
		if (session != null) {
			if (session.indexedPrincipal() != null) {
				unindex(session.indexedPrincipal(), id);
			}
			this.events.publishEvent(new SessionDeletedEvent(this, session));
		}
	}

	@Override
	public Map<String, ClusterSession> findByIndexNameAndIndexValue(String indexName, String indexValue) {
		if (!PRINCIPAL_NAME_INDEX_NAME.equals(indexName)) {
			return Map.of();
		}
		Map<String, ClusterSession> sessions = new LinkedHashMap<>();
		Set<String> gone = new LinkedHashSet<>();
		for (String id : ids(this.store.get(principalKey(indexValue)))) {
			ClusterSession session = findById(id);
			if (session != null && indexValue.equals(session.indexedPrincipal())) {
				sessions.put(id, session);
			}
			else {
				gone.add(id);
			}
		}
		if (!gone.isEmpty()) {
			updateIndex(indexValue, (current) -> {
				current.removeAll(gone);
				return current;
			});
		}
		return sessions;
	}

	/** Told by the master (in one worker) of a session it expired. */
	private void expired(String key, byte[] bytes) {
		ClusterSession session = readQuietly(bytes);
		if (session == null) {
			return;
		}
		if (session.indexedPrincipal() != null) {
			unindex(session.indexedPrincipal(), session.getId());
		}
		this.events.publishEvent(new SessionExpiredEvent(this, session));
	}

	private @Nullable ClusterSession readQuietly(byte[] bytes) {
		try {
			return new ClusterSession(this.codec, this.ids, this.clock, this.codec.decode(bytes));
		}
		catch (IllegalArgumentException ex) {
			logger.warn("A session in the store cannot be read: " + ex.getMessage());
			return null;
		}
	}

	private void index(String principal, String id) {
		updateIndex(principal, (current) -> {
			current.add(id);
			return current;
		});
	}

	private void unindex(String principal, String id) {
		updateIndex(principal, (current) -> {
			current.remove(id);
			return current;
		});
	}

	/**
	 * Changes a principal's index entry with compare-and-set (other workers change it
	 * too); an empty one is removed. Index entries have no TTL: they are cleaned when
	 * their sessions are deleted or expire, and pruned of missing sessions on lookup.
	 */
	private void updateIndex(String principal, UnaryOperator<Set<String>> change) {
		String key = principalKey(principal);
		for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
			byte[] current = this.store.get(key);
			Set<String> ids = change.apply(ids(current));
			if (ids.isEmpty()) {
				if (current == null || this.store.release(key, current)) {
					return;
				}
				continue;
			}
			byte[] next = String.join("\n", ids).getBytes(StandardCharsets.UTF_8);
			if ((current != null && Arrays.equals(current, next))
					|| this.store.compareAndSet(key, current, next, null)) {
				return;
			}
		}
		logger.warn("Could not update the session index of principal '" + principal + "' after " + CAS_ATTEMPTS
				+ " attempts (too many concurrent logins)");
	}

	private static Set<String> ids(byte @Nullable [] bytes) {
		Set<String> ids = new LinkedHashSet<>();
		if (bytes != null && bytes.length > 0) {
			ids.addAll(Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\n")));
		}
		return ids;
	}

	private static String key(String id) {
		return SESSION_PREFIX + id;
	}

	private static String principalKey(String principal) {
		return PRINCIPAL_PREFIX + principal;
	}

	/** A negative interval never expires. */
	private static @Nullable Duration ttl(Duration maxInactiveInterval) {
		return (maxInactiveInterval.isNegative() || maxInactiveInterval.isZero()) ? null : maxInactiveInterval;
	}

}
