package dev.bootcluster.messaging;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.ClassUtils;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.messaging.Payloads.Ping;
import dev.bootcluster.messaging.Payloads.Strict;
import dev.bootcluster.messaging.Payloads.Tick;
import dev.bootcluster.messaging.Payloads.Unwritable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@link PayloadCodec}.
 */
@ExtendWith(OutputCaptureExtension.class)
class PayloadCodecTest {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private final PayloadCodec codec = new PayloadCodec(() -> MAPPER, new FrameCodec(1024),
			getClass().getClassLoader());

	@Test
	void typeNameIsTheClassName() {
		assertThat(PayloadCodec.typeName(new Ping(1))).isEqualTo("dev.bootcluster.messaging.Payloads$Ping");
		assertThat(PayloadCodec.typeName("text")).isEqualTo("java.lang.String");
	}

	@Test
	void asksForTheMapperOnceNotPerMessage() {
		AtomicInteger asked = new AtomicInteger();
		PayloadCodec counting = new PayloadCodec(() -> {
			asked.incrementAndGet();
			return MAPPER;
		}, new FrameCodec(1024), getClass().getClassLoader());
		assertThat(asked).hasValue(0);
		for (int i = 0; i < 3; i++) {
			Tick tick = new Tick("t" + i, Instant.EPOCH);
			JsonNode tree = counting.toTree(tick);
			assertThat(counting.read(PayloadCodec.typeName(tick), tree, "t")).isEqualTo(tick);
			assertThat(counting.parse("{\"n\": 1.5}").get("n").decimalValue()).isEqualByComparingTo("1.5");
		}
		assertThat(asked).hasValue(1);
	}

	@Test
	void applicationTypeRoundTrips() {
		Tick tick = new Tick("\u00e9t\u00e9 \"quoted\" \n", Instant.parse("1969-12-31T23:59:59.999999999Z"));
		Object read = this.codec.read(PayloadCodec.typeName(tick), this.codec.toTree(tick), "t");
		assertThat(read).isEqualTo(tick).isNotSameAs(tick);
	}

	static Stream<Object> allowedJdkValues() {
		return Stream.of("text", true, 42, 42L, 4.25d, 4.25f, (short) 7, (byte) 8, new BigDecimal("12.50"),
				new BigInteger("123456789012345678901234567890"), Instant.parse("2025-01-02T03:04:05.678Z"),
				Duration.ofMillis(1500), LocalDate.of(2025, 2, 28), LocalDateTime.of(2025, 2, 28, 13, 14, 15),
				OffsetDateTime.of(2025, 2, 28, 13, 14, 15, 0, ZoneOffset.UTC));
	}

	@ParameterizedTest
	@MethodSource("allowedJdkValues")
	void jdkValueTypesOfTheAllowListRoundTrip(Object value) {
		Object read = this.codec.read(PayloadCodec.typeName(value), this.codec.toTree(value), "t");
		assertThat(read).isInstanceOf(value.getClass()).isEqualTo(value);
	}

	/**
	 * Every name here is a class this JVM has. Where {@code binds} is true, Jackson would
	 * make an instance of it from {@code json} (checked below), so only the codec's
	 * refusal to resolve the name keeps the payload from being read as that class.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
			java.lang.Runtime                                | {}                       | false
			java.io.File                                     | "/etc/passwd"            | true
			java.net.URL                                     | "http://example.com"     | true
			java.net.URI                                     | "http://example.com"     | true
			java.util.UUID                                   | "0f8fad5b-d9cb-469f-a165-70867728950e" | true
			java.util.Locale                                 | "en"                     | true
			java.util.ArrayList                              | [1]                      | true
			java.util.HashMap                                | {"a": 1}                 | true
			java.lang.StringBuilder                          | "x"                      | true
			java.lang.Character                              | "c"                      | true
			java.util.regex.Pattern                          | "a+"                     | true
			java.sql.Timestamp                               | 0                        | true
			javax.management.ObjectName                      | "a:b=c"                  | false
			jdk.internal.misc.Unsafe                         | {}                       | false
			sun.misc.Unsafe                                  | {}                       | false
			com.sun.rowset.JdbcRowSetImpl                    | {}                       | false
			org.w3c.dom.Document                             | "<a/>"                   | true
			org.xml.sax.helpers.AttributesImpl               | {}                       | true
			char                                             | "c"                      | true
			int                                              | 1                        | true
			[Ljava.lang.String;                              | ["a"]                    | true
			[Ldev.bootcluster.messaging.Payloads$Ping;       | [{"seq": 1}]             | true
			[I                                               | [1]                      | true
			java.lang.String[]                               | ["a"]                    | true
			dev.bootcluster.messaging.Payloads$Ping[]        | [{"seq": 1}]             | true
			""")
	void otherJdkTypesPrimitivesAndArraysAreNeverResolved(String type, String json, boolean binds,
			CapturedOutput output) throws Exception {
		JsonNode payload = MAPPER.readTree(json);
		if (binds) {
			assertThat(MAPPER.treeToValue(payload, ClassUtils.forName(type, getClass().getClassLoader())))
				.as("the test payload binds to " + type)
				.isNotNull();
		}
		assertThat(this.codec.read(type, payload, "topic")).isNull();
		assertThat(StandaloneClusterMessengerTest.warningsAbout(type, output)).singleElement()
			.asString()
			.contains("have no class here");
	}

	@Test
	void absentTypeIsUnknownWithoutAWarning(CapturedOutput output) {
		assertThat(this.codec.read(null, MAPPER.readTree("{}"), "t")).isNull();
		assertThat(output.getOut()).doesNotContain("Cluster messages of type");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "com.example.Missing", "dev.bootcluster.messaging.Payloads.Missing",
			"java/lang/String", " java.lang.String", "java.lang.String ", "Java.lang.String", "java.lang.String.",
			".dev.bootcluster.messaging.Payloads$Ping", "dev.bootcluster.messaging.payloads$Ping" })
	void namesThatAreNotExactlyAClassAreUnknown(String type) {
		assertThat(this.codec.read(type, MAPPER.readTree("\"x\""), "t")).isNull();
	}

	@Test
	void unknownTypeIsLoggedOncePerType(CapturedOutput output) {
		JsonNode payload = MAPPER.readTree("{}");
		for (int i = 0; i < 5; i++) {
			this.codec.read("com.example.First", payload, "t" + i);
		}
		this.codec.read("com.example.Second", payload, "t");
		assertThat(StandaloneClusterMessengerTest.warningsAbout("com.example.First", output)).singleElement()
			.asString()
			.contains("'t0'");
		assertThat(StandaloneClusterMessengerTest.warningsAbout("com.example.Second", output)).hasSize(1);
	}

	@Test
	void typeThatDoesNotBindIsUnknownAndLoggedOnce(CapturedOutput output) {
		String type = Strict.class.getName();
		assertThat(this.codec.read(type, MAPPER.readTree("{\"count\": \"many\"}"), "t")).isNull();
		assertThat(this.codec.read(type, MAPPER.readTree("[1, 2]"), "t")).isNull();
		assertThat(this.codec.read(type, MAPPER.readTree("{\"count\": 2}"), "t")).isEqualTo(new Strict(2));
		assertThat(StandaloneClusterMessengerTest.warningsAbout(type, output)).singleElement()
			.asString()
			.contains("do not bind to " + type);
	}

	/**
	 * A library class on the classpath whose methods name a class that is not there (an
	 * optional dependency): Jackson's introspection of it fails with a
	 * {@link LinkageError}, which must not escape to the thread that delivers messages.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "org.springframework.boot.json.GsonJsonParser",
			"org.springframework.boot.context.properties.ConfigurationPropertiesJsr303Validator" })
	void classThatCannotBeIntrospectedIsUnknownAndLoggedOnce(String type, CapturedOutput output) {
		ClassLoader loader = getClass().getClassLoader();
		assumeThat(ClassUtils.isPresent(type, loader)).isTrue();
		assumeThat(ClassUtils.isPresent("com.google.gson.Gson", loader)).isFalse();
		assumeThat(ClassUtils.isPresent("jakarta.validation.Validator", loader)).isFalse();
		JsonNode payload = MAPPER.readTree("{}");
		assertThatNoException().isThrownBy(() -> {
			assertThat(this.codec.read(type, payload, "t")).isNull();
			assertThat(this.codec.read(type, payload, "t")).isNull();
		});
		assertThat(StandaloneClusterMessengerTest.warningsAbout(type, output)).singleElement()
			.asString()
			.contains("do not bind to " + type);
	}

	@Test
	void parseReadsAnyJsonValue() {
		assertThat(this.codec.parse(" {\"a\": [1, \"b\"]} ")).isEqualTo(MAPPER.readTree("{\"a\":[1,\"b\"]}"));
		assertThat(this.codec.parse("null").isNull()).isTrue();
		assertThat(this.codec.parse("\"text\"").asString()).isEqualTo("text");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "\n\t", "{", "}", "nul", "{\"a\" 1}", "[1,]", "1 2", "{} []", "'single'" })
	void parseRejectsWhatIsNotOneJsonValue(String json) {
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.parse(json))
			.withMessageStartingWith("not valid JSON");
	}

	@Test
	void unwritablePayloadIsAMessagingFailure() {
		assertThatExceptionOfType(ClusterMessagingException.class).isThrownBy(() -> this.codec.toTree(new Unwritable()))
			.withMessageContaining(Unwritable.class.getName());
	}

	@Test
	void convertReadsAnAnswerAsTheExpectedType() {
		assertThat(this.codec.convert(MAPPER.readTree("{\"seq\": 3}"), Ping.class)).isEqualTo(new Ping(3));
		assertThatExceptionOfType(ClusterMessagingException.class)
			.isThrownBy(() -> this.codec.convert(MAPPER.readTree("null"), Ping.class))
			.withMessageContaining("null");
		assertThatExceptionOfType(ClusterMessagingException.class)
			.isThrownBy(() -> this.codec.convert(MAPPER.readTree("{\"seq\": \"three\"}"), Ping.class))
			.withMessageContaining(Ping.class.getName());
	}

	@Test
	void sizeCheckUsesTheFrameLimit() {
		assertThat(this.codec.maxMessageSize()).isEqualTo(1024);
		assertThatNoException().isThrownBy(() -> this.codec.checkSize("t", null, MAPPER.readTree("\"small\""), true));
		JsonNode large = MAPPER.readTree("\"" + "z".repeat(1024) + "\"");
		assertThatExceptionOfType(PayloadTooLargeException.class)
			.isThrownBy(() -> this.codec.checkSize("large", "a.Type", large, false))
			.satisfies((ex) -> {
				assertThat(ex.limit()).isEqualTo(1024);
				assertThat(ex.size()).isGreaterThan(1024);
				assertThat(ex.getMessage()).contains("'large'");
			});
	}

	@Test
	void sizeCheckCountsTheTopicAndTypeToo() {
		JsonNode payload = MAPPER.readTree("\"" + "z".repeat(600) + "\"");
		assertThatNoException().isThrownBy(() -> this.codec.checkSize("t", null, payload, false));
		assertThatExceptionOfType(PayloadTooLargeException.class)
			.isThrownBy(() -> this.codec.checkSize("t".repeat(500), null, payload, false));
		assertThatExceptionOfType(PayloadTooLargeException.class)
			.isThrownBy(() -> this.codec.checkSize("t", "T".repeat(500), payload, false));
	}

	@ParameterizedTest
	@ValueSource(strings = { "1e999", "-1e999", "0.1", "123456789012345678901234567890.123456789", "[1e400, 2.5]" })
	void parsedNumbersKeepTheirValueWhenRelayed(String json) {
		JsonNode node = this.codec.parse(json);
		// what a receiver reads back from the relayed text is the number that was sent
		assertThat(MAPPER_FOR_NUMBERS.readTree(node.toString())).isEqualTo(MAPPER_FOR_NUMBERS.readTree(json));
	}

	private static final tools.jackson.databind.ObjectReader MAPPER_FOR_NUMBERS = tools.jackson.databind.json.JsonMapper
		.builder()
		.build()
		.reader()
		.with(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

}
