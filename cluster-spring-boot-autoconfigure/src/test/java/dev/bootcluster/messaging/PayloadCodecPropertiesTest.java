package dev.bootcluster.messaging;

import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Example;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.time.api.DateTimes;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.ClassUtils;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.messaging.Payloads.Ping;
import dev.bootcluster.messaging.Payloads.Tick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Properties of {@link PayloadCodec}. (Named {@code *Test} so that Surefire's default
 * includes pick it up.)
 */
class PayloadCodecPropertiesTest {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private static final FrameCodec FRAMES = new FrameCodec(64 * 1024);

	/** The JDK value types a payload may be (the codec's allow-list, as documented). */
	private static final Set<String> ALLOWED_JDK_TYPES = Set.of("java.lang.String", "java.lang.Boolean",
			"java.lang.Integer", "java.lang.Long", "java.lang.Double", "java.lang.Float", "java.lang.Short",
			"java.lang.Byte", "java.math.BigDecimal", "java.math.BigInteger", "java.time.Instant", "java.time.Duration",
			"java.time.LocalDate", "java.time.LocalDateTime", "java.time.OffsetDateTime");

	private static final Pattern BOUND_TO = Pattern.compile("do not bind to (\\S+) here");

	private static final List<String> CLOSED_PREFIXES = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.");

	/**
	 * JDK classes a payload must never become, some of which Jackson would happily make.
	 */
	private static final List<String> JDK_CLASSES = List.of("java.lang.Runtime", "java.lang.ProcessBuilder",
			"java.lang.ProcessBuilder$Redirect", "java.lang.Thread", "java.lang.Character", "java.lang.StringBuilder",
			"java.lang.Object", "java.io.File", "java.net.URL", "java.net.URI", "java.net.InetAddress",
			"java.util.UUID", "java.util.HashMap", "java.util.ArrayList", "java.util.Locale",
			"java.util.concurrent.atomic.AtomicLong", "java.util.regex.Pattern", "java.sql.Timestamp",
			"javax.naming.InitialContext", "javax.management.ObjectName", "javax.script.ScriptEngineManager",
			"jdk.internal.misc.Unsafe", "sun.misc.Unsafe", "com.sun.rowset.JdbcRowSetImpl", "org.w3c.dom.Document",
			"org.w3c.dom.Element", "org.xml.sax.helpers.AttributesImpl", "org.ietf.jgss.Oid", "int", "long", "char",
			"boolean", "double", "void");

	private static final List<String> APPLICATION_CLASSES = List.of(Ping.class.getName(), Tick.class.getName(),
			Payloads.Strict.class.getName(), PayloadCodec.class.getName());

	private static final List<String> PAYLOADS = List.of("{}", "{\"seq\": 1}", "{\"count\": 2}",
			"{\"name\": \"n\", \"at\": \"2025-01-01T00:00:00Z\"}", "\"text\"", "\"/tmp\"", "\"c\"", "\"<a/>\"",
			"\"http://example.com\"", "\"0f8fad5b-d9cb-469f-a165-70867728950e\"", "\"2025-01-01T00:00:00Z\"",
			"\"PT1S\"", "\"2025-01-01\"", "1", "-1.5", "0", "true", "null", "[]", "[1, 2]", "[\"a\"]",
			"[{\"seq\": 1}]");

	@Property(tries = 3000)
	void readNeverThrowsAndNeverResolvesAJdkClassOutsideTheAllowList(@ForAll("typeNames") String type,
			@ForAll("payloads") String json) {
		RecordingClassLoader loader = new RecordingClassLoader(getClass().getClassLoader());
		PayloadCodec codec = new PayloadCodec(() -> MAPPER, FRAMES, loader);
		JsonNode payload = MAPPER.readTree(json);
		ListAppender<ILoggingEvent> warnings = new ListAppender<>();
		warnings.start();
		Logger logger = (Logger) LoggerFactory.getLogger(PayloadCodec.class);
		logger.addAppender(warnings);
		Object value;
		try {
			value = codec.read(type, payload, "topic");
		}
		finally {
			logger.detachAppender(warnings);
		}
		// names in the closed packages are refused before anything is loaded
		assertThat(loader.loaded).allSatisfy((loaded) -> assertThat(inClosedPackage(loaded))
			.as("'%s' made the codec load %s", type, loaded.getName())
			.isFalse());
		// what it read, or tried to bind to, is an application class or an allowed JDK
		// value type
		if (value != null) {
			assertThat(isPermitted(value.getClass())).as("'%s' was read as a %s", type, value.getClass().getName())
				.isTrue();
		}
		for (ILoggingEvent warning : warnings.list) {
			Matcher bound = BOUND_TO.matcher(warning.getFormattedMessage());
			if (bound.find()) {
				assertThat(isPermitted(ClassUtils.resolveClassName(bound.group(1), loader)))
					.as("'%s' was resolved to %s", type, bound.group(1))
					.isTrue();
			}
		}
		Statistics.label("read").collect((value != null) ? "as a class" : "unknown");
		Statistics.label("read").coverage((coverage) -> {
			coverage.check("as a class").count((count) -> count > 0);
			coverage.check("unknown").count((count) -> count > 0);
		});
	}

	@Property(tries = 500)
	void applicationRecordsRoundTrip(@ForAll String name, @ForAll("instants") Instant at) {
		PayloadCodec codec = new PayloadCodec(() -> MAPPER, FRAMES, getClass().getClassLoader());
		Tick tick = new Tick(name, at);
		assertThat(codec.read(PayloadCodec.typeName(tick), codec.toTree(tick), "t")).isEqualTo(tick);
	}

	@Property(tries = 1000)
	void parseGivesAJsonValueOrRejectsTheText(@ForAll("jsonish") String text) {
		PayloadCodec codec = new PayloadCodec(() -> MAPPER, FRAMES, null);
		JsonNode node;
		try {
			node = codec.parse(text);
		}
		catch (IllegalArgumentException ex) {
			assertThat(ex).hasMessageStartingWith("not valid JSON");
			Statistics.collect("rejected");
			return;
		}
		assertThat(node.isMissingNode()).as("'%s' parsed to no value", text).isFalse();
		// what is relayed (the tree's text) reads back as the same tree, numbers as the
		// same numbers: 5e0 is relayed as 5 (a BigDecimal of scale 0 is written without
		// its exponent), which JSON holds to be the same number
		assertThat(codec.parse(node.toString()).equals(SAME_NUMBERS, node)).as("'%s' relayed as '%s'", text, node)
			.isTrue();
		Statistics.collect("parsed");
	}

	@Example
	void anExponentWithoutAFractionIsRelayedAsTheSameNumber() {
		PayloadCodec codec = new PayloadCodec(() -> MAPPER, FRAMES, null);
		JsonNode node = codec.parse("[5e0, 0e0, 1e1, 1.50]");
		assertThat(node.toString()).isEqualTo("[5,0,1E+1,1.50]");
		assertThat(codec.parse(node.toString()).equals(SAME_NUMBERS, node)).isTrue();
	}

	/** Equal JSON values, numbers by value (as JSON compares them), not by node class. */
	private static final Comparator<JsonNode> SAME_NUMBERS = (a, b) -> {
		if (a.isNumber() && b.isNumber()) {
			return a.decimalValue().compareTo(b.decimalValue());
		}
		return a.equals(b) ? 0 : 1;
	};

	@Property(tries = 200)
	void textThatIsOnlyWhitespaceIsNeverJson(@ForAll("blanks") String text) {
		PayloadCodec codec = new PayloadCodec(() -> MAPPER, FRAMES, null);
		assertThatIllegalArgumentException().isThrownBy(() -> codec.parse(text));
	}

	@Provide
	Arbitrary<String> typeNames() {
		Arbitrary<String> known = Arbitraries
			.of(concat(JDK_CLASSES, APPLICATION_CLASSES, List.copyOf(ALLOWED_JDK_TYPES)));
		Arbitrary<String> mutated = Combinators.combine(known, Arbitraries.integers().between(0, 11))
			.as(PayloadCodecPropertiesTest::mutate);
		Arbitrary<String> nameLike = Arbitraries.strings().withChars("javxdklngsuoRtimSbc.$[;L/ ").ofMaxLength(30);
		return Arbitraries.frequencyOf(Tuple.of(3, known), Tuple.of(4, mutated), Tuple.of(2, nameLike),
				Tuple.of(2, Arbitraries.strings()));
	}

	@Provide
	Arbitrary<String> payloads() {
		return Arbitraries.of(PAYLOADS);
	}

	@Provide
	Arbitrary<Instant> instants() {
		return DateTimes.instants();
	}

	@Provide
	Arbitrary<String> jsonish() {
		Arbitrary<String> pieces = Arbitraries.strings().withChars("{}[]\":,0123456789.-+eEtrufalsn \t\n\\x");
		return Arbitraries.oneOf(pieces, Arbitraries.strings(), Arbitraries.of(PAYLOADS));
	}

	@Provide
	Arbitrary<String> blanks() {
		return Arbitraries.strings().withChars(' ', '\t', '\n', '\r').ofMaxLength(10);
	}

	private static String mutate(String name, int how) {
		return switch (how) {
			case 0 -> " " + name;
			case 1 -> name + " ";
			case 2 -> name.replace('.', '/');
			case 3 -> "[L" + name + ";";
			case 4 -> name + "[]";
			case 5 -> "[" + name;
			case 6 -> name.toUpperCase(Locale.ROOT);
			case 7 -> replaceLastDot(name);
			case 8 -> name + ".";
			case 9 -> "." + name;
			case 10 -> name.replace('$', '.');
			default -> name.substring(0, name.length() / 2);
		};
	}

	private static String replaceLastDot(String name) {
		int dot = name.lastIndexOf('.');
		return (dot < 0) ? name : name.substring(0, dot) + "$" + name.substring(dot + 1);
	}

	private static boolean inClosedPackage(Class<?> type) {
		return !ALLOWED_JDK_TYPES.contains(type.getName())
				&& CLOSED_PREFIXES.stream().anyMatch((prefix) -> type.getName().startsWith(prefix));
	}

	/** Not a JDK class (nor primitive), or one of the allow-listed JDK value types. */
	private static boolean isPermitted(Class<?> type) {
		return ALLOWED_JDK_TYPES.contains(type.getName()) || !isJdk(type);
	}

	private static boolean isJdk(Class<?> type) {
		if (type.isArray()) {
			return true; // arrays are never payload types
		}
		if (type.isPrimitive()) {
			return true;
		}
		for (String prefix : CLOSED_PREFIXES) {
			if (type.getName().startsWith(prefix)) {
				return true;
			}
		}
		ClassLoader loader = type.getClassLoader();
		return loader == null || loader == ClassLoader.getPlatformClassLoader();
	}

	@SafeVarargs
	private static List<String> concat(List<String>... lists) {
		return Arrays.stream(lists).flatMap(List::stream).toList();
	}

	/** Records every class it hands out: what the codec asked it to resolve. */
	private static final class RecordingClassLoader extends ClassLoader {

		private final List<Class<?>> loaded = new CopyOnWriteArrayList<>();

		RecordingClassLoader(ClassLoader parent) {
			super(parent);
		}

		@Override
		protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
			Class<?> type = super.loadClass(name, resolve);
			this.loaded.add(type);
			return type;
		}

	}

}
