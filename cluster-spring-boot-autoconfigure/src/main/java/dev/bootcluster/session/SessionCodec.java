package dev.bootcluster.session;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.core.convert.converter.Converter;
import org.springframework.core.serializer.support.DeserializingConverter;
import org.springframework.core.serializer.support.SerializingConverter;

/**
 * How a session is laid out in the store: a version byte, the id, creation and last
 * access times, the maximum inactive interval, then each attribute's name and value
 * bytes. Attribute values are encoded one by one by the attribute codec (JDK
 * serialization by default, with the application's class loader), so an attribute is
 * decoded only when it is read; only workers decode them, never the master.
 */
final class SessionCodec {

	private static final byte VERSION = 1;

	/** The largest number of attributes a decoded session may claim. */
	private static final int MAX_ATTRIBUTES = 1 << 16;

	private final Converter<Object, byte[]> serializer;

	private final Converter<byte[], Object> deserializer;

	SessionCodec(ClassLoader classLoader) {
		this(new SerializingConverter(), new DeserializingConverter(classLoader));
	}

	SessionCodec(Converter<Object, byte[]> serializer, Converter<byte[], Object> deserializer) {
		this.serializer = serializer;
		this.deserializer = deserializer;
	}

	/**
	 * Encodes one attribute value.
	 * @throws SessionAttributeEncodingException if it cannot be encoded
	 */
	byte[] encodeAttribute(String name, Object value) {
		try {
			byte[] bytes = this.serializer.convert(value);
			if (bytes == null) {
				throw new IllegalStateException("the attribute codec returned nothing");
			}
			return bytes;
		}
		catch (RuntimeException ex) {
			throw new SessionAttributeEncodingException(name, value, ex);
		}
	}

	/** Decodes one attribute value. */
	Object decodeAttribute(String name, byte[] bytes) {
		try {
			Object value = this.deserializer.convert(bytes);
			if (value == null) {
				throw new IllegalStateException("the attribute codec returned nothing");
			}
			return value;
		}
		catch (RuntimeException ex) {
			throw new IllegalStateException("Session attribute '" + name + "' cannot be read from the cluster's "
					+ "session store (" + ex.getMessage() + "); was it stored by another version of the application?",
					ex);
		}
	}

	byte[] encode(Stored session) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			out.writeByte(VERSION);
			out.writeUTF(session.id());
			writeInstant(out, session.creationTime());
			writeInstant(out, session.lastAccessedTime());
			out.writeLong(session.maxInactiveInterval().getSeconds());
			out.writeBoolean(session.principal() != null);
			if (session.principal() != null) {
				out.writeUTF(session.principal());
			}
			out.writeInt(session.attributes().size());
			for (Map.Entry<String, byte[]> attribute : session.attributes().entrySet()) {
				out.writeUTF(attribute.getKey());
				out.writeInt(attribute.getValue().length);
				out.write(attribute.getValue());
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return bytes.toByteArray();
	}

	/**
	 * Decodes a stored session (attribute values stay encoded).
	 * @throws IllegalArgumentException if the bytes are not a session of this layout
	 */
	Stored decode(byte[] bytes) {
		try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
			byte version = in.readByte();
			if (version != VERSION) {
				throw new IllegalArgumentException("Unknown session layout version " + version);
			}
			String id = in.readUTF();
			Instant creation = readInstant(in);
			Instant lastAccess = readInstant(in);
			Duration maxInactive = Duration.ofSeconds(in.readLong());
			String principal = in.readBoolean() ? in.readUTF() : null;
			int count = in.readInt();
			if (count < 0 || count > MAX_ATTRIBUTES) {
				throw new IllegalArgumentException("Bad attribute count " + count);
			}
			Map<String, byte[]> attributes = new LinkedHashMap<>();
			for (int i = 0; i < count; i++) {
				String name = in.readUTF();
				int length = in.readInt();
				if (length < 0 || length > in.available()) {
					throw new IllegalArgumentException("Bad length " + length + " of attribute '" + name + "'");
				}
				attributes.put(name, in.readNBytes(length));
			}
			if (in.available() != 0) {
				throw new IllegalArgumentException(in.available() + " bytes after the last attribute");
			}
			return new Stored(id, creation, lastAccess, maxInactive, principal, attributes);
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("Truncated session: " + ex, ex);
		}
	}

	private static void writeInstant(DataOutputStream out, Instant instant) throws IOException {
		out.writeLong(instant.getEpochSecond());
		out.writeInt(instant.getNano());
	}

	private static Instant readInstant(DataInputStream in) throws IOException {
		return Instant.ofEpochSecond(in.readLong(), in.readInt());
	}

	/**
	 * A session as stored: attribute values as bytes, and the principal name it is
	 * indexed under, if any.
	 */
	record Stored(String id, Instant creationTime, Instant lastAccessedTime, Duration maxInactiveInterval,
			@Nullable String principal, Map<String, byte[]> attributes) {

	}

}
