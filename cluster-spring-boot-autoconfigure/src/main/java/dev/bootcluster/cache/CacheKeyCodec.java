package dev.bootcluster.cache;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.interceptor.SimpleKey;
import org.springframework.core.serializer.support.SerializationDelegate;

/**
 * Encodes cache keys as text that is the same on every worker for equal keys, and back.
 * Strings, integers, longs, booleans, UUIDs and the empty {@link SimpleKey} get a short
 * readable form ({@code s:price-1}, {@code l:42}); any other {@link Serializable} key (a
 * {@code SimpleKey} of several arguments, a record, an enum) is its Java serialization in
 * base64, decoded with the application's class loader. The type is part of the encoding,
 * as it is of key equality: {@code 1} and {@code 1L} are different keys.
 * <p>
 * Only workers encode and decode; the master relays and stores the text as it is. Keys
 * whose serialization differs between equal values (a hash-ordered collection of objects
 * with identity hash codes) encode differently: a near cache still finds its entry (it
 * decodes the key and looks it up by {@code equals}), a shared cache misses.
 */
public final class CacheKeyCodec {

	/** Longest store key: the store's limit. */
	static final int MAX_STORE_KEY_BYTES = 1024;

	private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

	private final SerializationDelegate serialization;

	public CacheKeyCodec(ClassLoader classLoader) {
		this.serialization = new SerializationDelegate(classLoader);
	}

	/**
	 * The key's encoding.
	 * @param key a cache key
	 * @return its encoding, or null if it has none (it is not serializable)
	 */
	public @Nullable String encode(Object key) {
		if (key instanceof String string && isWellFormed(string)) {
			return "s:" + string;
		}
		if (key instanceof Integer number) {
			return "i:" + number;
		}
		if (key instanceof Long number) {
			return "l:" + number;
		}
		if (key instanceof Boolean bool) {
			return "z:" + bool;
		}
		if (key instanceof UUID uuid) {
			return "u:" + uuid;
		}
		if (SimpleKey.EMPTY.equals(key)) {
			return "e:";
		}
		if (key instanceof Serializable) {
			try {
				return "j:" + BASE64.encodeToString(this.serialization.serializeToByteArray(key));
			}
			catch (IOException | RuntimeException ex) {
				// a field that is not serializable
				return null;
			}
		}
		return null;
	}

	/**
	 * The key an encoding stands for, equal to the one encoded.
	 * @param encoded what {@link #encode} returned
	 * @return the key
	 * @throws IllegalArgumentException if it cannot be decoded here (malformed, or of a
	 * class this worker does not have)
	 */
	public Object decode(String encoded) {
		if (encoded.length() < 2 || encoded.charAt(1) != ':') {
			throw new IllegalArgumentException("Not an encoded cache key: '" + encoded + "'");
		}
		String text = encoded.substring(2);
		try {
			return switch (encoded.charAt(0)) {
				case 's' -> text;
				case 'i' -> Integer.valueOf(text);
				case 'l' -> Long.valueOf(text);
				case 'z' -> Boolean.valueOf(text);
				case 'u' -> UUID.fromString(text);
				case 'e' -> SimpleKey.EMPTY;
				case 'j' -> this.serialization.deserializeFromByteArray(Base64.getUrlDecoder().decode(text));
				default -> throw new IllegalArgumentException("Unknown cache key type in '" + encoded + "'");
			};
		}
		catch (IOException | RuntimeException ex) {
			throw new IllegalArgumentException("Cannot decode cache key '" + abbreviate(encoded) + "': " + ex, ex);
		}
	}

	/**
	 * Where every entry of a cache lives in the master's store: {@code cache:<name>:},
	 * with {@code %} and {@code :} of the name escaped, so that no cache's prefix is
	 * another's.
	 */
	public static String storePrefix(String cacheName) {
		return "cache:" + cacheName.replace("%", "%25").replace(":", "%3A") + ":";
	}

	/**
	 * The store key of an entry: the cache's prefix and the key's encoding, or a SHA-256
	 * digest of the encoding when that would make the store key longer than the store
	 * allows.
	 */
	public static String storeKey(String cacheName, String encodedKey) {
		String key = storePrefix(cacheName) + encodedKey;
		if (key.getBytes(StandardCharsets.UTF_8).length <= MAX_STORE_KEY_BYTES) {
			return key;
		}
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(encodedKey.getBytes(StandardCharsets.UTF_8));
			return storePrefix(cacheName) + "#" + BASE64.encodeToString(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every JVM has SHA-256", ex);
		}
	}

	/** Whether a string survives UTF-8 (no lone surrogates). */
	private static boolean isWellFormed(String string) {
		for (int i = 0; i < string.length(); i++) {
			char c = string.charAt(i);
			if (Character.isHighSurrogate(c)) {
				if (i + 1 == string.length() || !Character.isLowSurrogate(string.charAt(i + 1))) {
					return false;
				}
				i++;
			}
			else if (Character.isLowSurrogate(c)) {
				return false;
			}
		}
		return true;
	}

	private static String abbreviate(String text) {
		return (text.length() <= 80) ? text : text.substring(0, 80) + "...";
	}

}
