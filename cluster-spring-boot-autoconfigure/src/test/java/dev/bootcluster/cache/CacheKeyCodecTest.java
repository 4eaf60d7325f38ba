package dev.bootcluster.cache;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.cache.interceptor.SimpleKey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link CacheKeyCodec}.
 */
class CacheKeyCodecTest {

	private final CacheKeyCodec codec = new CacheKeyCodec(getClass().getClassLoader());

	static List<Object> keys() {
		return List.of("price-1", "", "\u00e9\u4e2d\ud83d\ude00 \"q\" : \\", "bad \ud800 surrogate", 0, -7,
				Integer.MAX_VALUE, 42L, Long.MIN_VALUE, true, false,
				UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e"), SimpleKey.EMPTY, new SimpleKey("eur", 3, 4L),
				new SimpleKey((Object) null), new Sku("A", 7), Currency.EUR, 1.5d, 'c', List.of("a", "b"));
	}

	@ParameterizedTest
	@MethodSource("keys")
	void keysDecodeToEqualKeys(Object key) {
		String encoded = this.codec.encode(key);
		assertThat(encoded).isNotNull();
		Object decoded = this.codec.decode(encoded);
		assertThat(decoded).isEqualTo(key).hasSameHashCodeAs(key);
		assertThat(decoded.getClass()).isEqualTo(key.getClass());
	}

	@ParameterizedTest
	@MethodSource("keys")
	void equalKeysBuiltApartEncodeTheSame(Object key) {
		Object copy = this.codec.decode(this.codec.encode(key));
		assertThat(this.codec.encode(copy)).isEqualTo(this.codec.encode(key));
	}

	@Test
	void commonKeysAreReadable() {
		assertThat(this.codec.encode("price-1")).isEqualTo("s:price-1");
		assertThat(this.codec.encode(42)).isEqualTo("i:42");
		assertThat(this.codec.encode(42L)).isEqualTo("l:42");
		assertThat(this.codec.encode(SimpleKey.EMPTY)).isEqualTo("e:");
		assertThat(this.codec.encode(new SimpleKey())).isEqualTo("e:");
		assertThat(this.codec.encode(new SimpleKey("eur", 3))).startsWith("j:");
	}

	@Test
	void theTypeIsPartOfTheKeyAsItIsOfEquality() {
		assertThat(List.of(this.codec.encode(1), this.codec.encode(1L), this.codec.encode("1"),
				this.codec.encode((short) 1), this.codec.encode(new SimpleKey(1))))
			.doesNotHaveDuplicates();
	}

	@Test
	void aKeyThatDoesNotSerializeHasNoEncoding() {
		assertThat(this.codec.encode(new Object())).isNull();
		assertThat(this.codec.encode(new SimpleKey("a", new Object()))).isNull();
	}

	@Test
	void malformedEncodingsAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.decode(""));
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.decode("price"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.decode("x:1"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.decode("i:one"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.decode("j:AAAA"));
	}

	@Test
	void noCachesPrefixIsAnothers() {
		assertThat(CacheKeyCodec.storePrefix("prices")).isEqualTo("cache:prices:");
		assertThat(CacheKeyCodec.storeKey("a", "s:b:c")).doesNotStartWith(CacheKeyCodec.storePrefix("a:b"));
		assertThat(CacheKeyCodec.storeKey("a:b", "s:c")).doesNotStartWith(CacheKeyCodec.storePrefix("a"));
		assertThat(CacheKeyCodec.storeKey("a%3Ab", "s:c")).doesNotStartWith(CacheKeyCodec.storePrefix("a:b"));
	}

	@Test
	void aLongKeyIsDigestedToFitTheStore() {
		String longKey = "s:" + "x".repeat(5000);
		String storeKey = CacheKeyCodec.storeKey("prices", longKey);
		assertThat(storeKey).startsWith("cache:prices:#");
		assertThat(storeKey.getBytes(StandardCharsets.UTF_8))
			.hasSizeLessThanOrEqualTo(CacheKeyCodec.MAX_STORE_KEY_BYTES);
		assertThat(CacheKeyCodec.storeKey("prices", longKey)).isEqualTo(storeKey);
		assertThat(CacheKeyCodec.storeKey("prices", longKey + "y")).isNotEqualTo(storeKey);
	}

	record Sku(String code, int size) implements Serializable {
	}

	enum Currency {

		EUR, USD

	}

}
