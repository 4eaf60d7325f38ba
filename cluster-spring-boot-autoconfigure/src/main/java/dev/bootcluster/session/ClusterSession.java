package dev.bootcluster.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.session.Session;
import org.springframework.session.SessionIdGenerator;

/**
 * A session of the {@link ClusterSessionRepository}. Attribute values read from the store
 * are decoded when first read; a value set is encoded at once, so that an attribute that
 * cannot be stored fails the {@code setAttribute} call that set it. When saved, the
 * session is written whole if anything changed (values read are encoded again, so a value
 * changed in place is saved, as it would be kept in one JVM), or only its TTL is renewed.
 */
public final class ClusterSession implements Session {

	private final SessionCodec codec;

	private final SessionIdGenerator ids;

	private final Clock clock;

	private String id;

	/** The id it was loaded with (or created with), until saved. */
	private String originalId;

	private final Instant creationTime;

	private Instant lastAccessedTime;

	private Duration maxInactiveInterval;

	/** The stored attribute bytes, as loaded or last saved. */
	private Map<String, byte[]> stored;

	/** The duration stored, as loaded or last saved. */
	private Duration storedMaxInactiveInterval;

	/** Attribute values: decoded ones, or {@link Encoded} for those not read yet. */
	private final Map<String, Object> attributes = new LinkedHashMap<>();

	private boolean isNew;

	/** The principal name of the index entry, as loaded or last saved. */
	private @Nullable String indexedPrincipal;

	ClusterSession(SessionCodec codec, SessionIdGenerator ids, Clock clock, Duration maxInactiveInterval) {
		this.codec = codec;
		this.ids = ids;
		this.clock = clock;
		this.id = ids.generate();
		this.originalId = this.id;
		this.creationTime = clock.instant();
		this.lastAccessedTime = this.creationTime;
		this.maxInactiveInterval = maxInactiveInterval;
		this.storedMaxInactiveInterval = maxInactiveInterval;
		this.stored = Map.of();
		this.isNew = true;
	}

	ClusterSession(SessionCodec codec, SessionIdGenerator ids, Clock clock, SessionCodec.Stored stored) {
		this.codec = codec;
		this.ids = ids;
		this.clock = clock;
		this.id = stored.id();
		this.originalId = stored.id();
		this.creationTime = stored.creationTime();
		this.lastAccessedTime = stored.lastAccessedTime();
		this.maxInactiveInterval = stored.maxInactiveInterval();
		this.storedMaxInactiveInterval = stored.maxInactiveInterval();
		this.stored = stored.attributes();
		stored.attributes().forEach((name, bytes) -> this.attributes.put(name, new Encoded(bytes)));
		this.indexedPrincipal = stored.principal();
	}

	@Override
	public String getId() {
		return this.id;
	}

	String getOriginalId() {
		return this.originalId;
	}

	@Override
	public String changeSessionId() {
		this.id = this.ids.generate();
		return this.id;
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> @Nullable T getAttribute(String attributeName) {
		Object value = this.attributes.get(attributeName);
		if (value instanceof Encoded encoded) {
			value = this.codec.decodeAttribute(attributeName, encoded.bytes());
			this.attributes.put(attributeName, value);
		}
		return (T) value;
	}

	@Override
	public Set<String> getAttributeNames() {
		return Set.copyOf(this.attributes.keySet());
	}

	@Override
	public void setAttribute(String attributeName, @Nullable Object attributeValue) {
		if (attributeValue == null) {
			removeAttribute(attributeName);
			return;
		}
		// fails here, in the code that set it, if it cannot be stored
		this.codec.encodeAttribute(attributeName, attributeValue);
		this.attributes.put(attributeName, attributeValue);
	}

	@Override
	public void removeAttribute(String attributeName) {
		this.attributes.remove(attributeName);
	}

	@Override
	public Instant getCreationTime() {
		return this.creationTime;
	}

	@Override
	public void setLastAccessedTime(Instant lastAccessedTime) {
		this.lastAccessedTime = lastAccessedTime;
	}

	@Override
	public Instant getLastAccessedTime() {
		return this.lastAccessedTime;
	}

	@Override
	public void setMaxInactiveInterval(Duration interval) {
		this.maxInactiveInterval = Objects.requireNonNull(interval, "interval");
	}

	@Override
	public Duration getMaxInactiveInterval() {
		return this.maxInactiveInterval;
	}

	@Override
	public boolean isExpired() {
		return !this.maxInactiveInterval.isNegative()
				&& !this.clock.instant().isBefore(this.lastAccessedTime.plus(this.maxInactiveInterval));
	}

	boolean isNew() {
		return this.isNew;
	}

	@Nullable String indexedPrincipal() {
		return this.indexedPrincipal;
	}

	/** Every attribute encoded, for saving. */
	Map<String, byte[]> encodeAttributes() {
		Map<String, byte[]> encoded = new LinkedHashMap<>();
		this.attributes.forEach((name, value) -> encoded.put(name,
				(value instanceof Encoded bytes) ? bytes.bytes() : this.codec.encodeAttribute(name, value)));
		return encoded;
	}

	/** Whether the session must be written whole (else only its TTL is renewed). */
	boolean changedSinceStored(Map<String, byte[]> encoded) {
		if (this.isNew || !this.id.equals(this.originalId)
				|| !this.maxInactiveInterval.equals(this.storedMaxInactiveInterval)
				|| !encoded.keySet().equals(this.stored.keySet())) {
			return true;
		}
		for (Map.Entry<String, byte[]> attribute : encoded.entrySet()) {
			if (!Arrays.equals(attribute.getValue(), this.stored.get(attribute.getKey()))) {
				return true;
			}
		}
		return false;
	}

	/** The session as stored from now on. */
	SessionCodec.Stored toStored(Map<String, byte[]> encoded, @Nullable String principal) {
		return new SessionCodec.Stored(this.id, this.creationTime, this.lastAccessedTime, this.maxInactiveInterval,
				principal, encoded);
	}

	/** Records a save. */
	void saved(Map<String, byte[]> encoded, @Nullable String principal) {
		this.stored = encoded;
		this.storedMaxInactiveInterval = this.maxInactiveInterval;
		this.originalId = this.id;
		this.isNew = false;
		this.indexedPrincipal = principal;
	}

	/** An attribute value not decoded yet. */
	private record Encoded(byte[] bytes) {
	}

}
