package dev.bootcluster.messaging;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.ClassUtils;
import org.springframework.util.function.SingletonSupplier;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.MessageTooLargeException;

/**
 * Turns payloads into JSON trees and back. A payload's type travels as its class name; a
 * receiver resolves it only to an application class or a JDK value type (never to other
 * JDK classes), and treats a name it cannot resolve or bind as unknown: the payload is
 * then delivered as a {@link ClusterMessageEvent}, and the first time each such type is
 * seen it is logged.
 */
public final class PayloadCodec {

	private static final Log logger = LogFactory.getLog(PayloadCodec.class);

	private static final Set<String> JDK_VALUE_TYPES = Set.of("java.lang.String", "java.lang.Boolean",
			"java.lang.Integer", "java.lang.Long", "java.lang.Double", "java.lang.Float", "java.lang.Short",
			"java.lang.Byte", "java.math.BigDecimal", "java.math.BigInteger", "java.time.Instant", "java.time.Duration",
			"java.time.LocalDate", "java.time.LocalDateTime", "java.time.OffsetDateTime");

	private static final String[] CLOSED_PACKAGES = { "java.", "javax.", "jdk.", "sun.", "com.sun." };

	/** Type names remembered (resolved, and reported as unknown), at most. */
	static final int MAX_REMEMBERED_TYPES = 1024;

	private final Supplier<JsonMapper> mapper;

	/**
	 * Reads JSON text with numbers as written (a double would turn 1e999 into Infinity).
	 */
	private final Supplier<ObjectReader> exactReader;

	private final FrameCodec frames;

	private final @Nullable ClassLoader classLoader;

	private final Map<String, Optional<Class<?>>> types = new ConcurrentHashMap<>();

	private final Set<String> reported = ConcurrentHashMap.newKeySet();

	/**
	 * @param mapper the application's JSON mapper (asked for once, on first use: a bean
	 * lookup per message would cost more than the message)
	 * @param frames the IPC codec, for its size limit
	 * @param classLoader where payload types are loaded from
	 */
	public PayloadCodec(Supplier<JsonMapper> mapper, FrameCodec frames, @Nullable ClassLoader classLoader) {
		this.mapper = SingletonSupplier.of(mapper);
		this.exactReader = SingletonSupplier
			.of(() -> this.mapper.get().reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS));
		this.frames = frames;
		this.classLoader = classLoader;
	}

	/** The type name a payload travels with: its class name. */
	public static String typeName(Object payload) {
		return payload.getClass().getName();
	}

	public int maxMessageSize() {
		return this.frames.maxMessageSize();
	}

	/** The payload as a JSON tree. */
	public JsonNode toTree(Object payload) {
		try {
			return this.mapper.get().valueToTree(payload);
		}
		catch (JacksonException ex) {
			throw new ClusterMessagingException(
					"Cannot write a " + payload.getClass().getName() + " as JSON: " + ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Parses a JSON text.
	 * @throws IllegalArgumentException if it is not valid JSON
	 */
	public JsonNode parse(String json) {
		JsonNode tree;
		try {
			// numbers as written: a double would turn 1e999 into Infinity, relayed as the
			// string "Infinity"
			tree = this.exactReader.get().readTree(json);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("not valid JSON: " + ex.getOriginalMessage(), ex);
		}
		if (tree.isMissingNode()) {
			// Jackson reads empty or blank text as "no value" rather than failing
			throw new IllegalArgumentException("not valid JSON: no value");
		}
		return tree;
	}

	/**
	 * Checks that the payload fits in one delivery frame, as the master will address it
	 * to the workers (so the master never has to refuse what a sender sent).
	 * @throws PayloadTooLargeException if it does not
	 */
	public void checkSize(String topic, @Nullable String type, JsonNode payload, boolean retained) {
		try {
			this.frames.encode(new Message.Deliver(Long.MAX_VALUE, Integer.MAX_VALUE, topic, type, payload, retained));
		}
		catch (MessageTooLargeException ex) {
			throw new PayloadTooLargeException(topic, (int) ex.getSize(), ex.getLimit());
		}
	}

	/**
	 * Reads a payload as the class its type names.
	 * @return the payload, or null when the type is absent, unknown here or does not bind
	 */
	public @Nullable Object read(@Nullable String type, JsonNode payload, String topic) {
		if (type == null) {
			return null;
		}
		Class<?> target = resolve(type);
		if (target == null) {
			reportOnce(type, "Cluster messages of type " + type + " (topic '" + topic + "') have no class here; "
					+ "they are delivered as ClusterMessageEvent");
			return null;
		}
		try {
			return this.mapper.get().treeToValue(payload, target);
		}
		catch (JacksonException ex) {
			reportUnbound(type, topic, target, ex.getOriginalMessage());
			return null;
		}
		catch (RuntimeException | LinkageError ex) {
			// e.g. NoClassDefFoundError: the class names an optional dependency that is
			// not here
			reportUnbound(type, topic, target, ex.toString());
			return null;
		}
	}

	/** Converts a JSON tree (an answer) to the type the caller expects. */
	public <T> T convert(JsonNode payload, Class<T> type) {
		try {
			T value = this.mapper.get().treeToValue(payload, type);
			if (value == null) {
				throw new ClusterMessagingException("The answer was JSON null, not a " + type.getName());
			}
			return value;
		}
		catch (JacksonException ex) {
			throw new ClusterMessagingException(
					"The answer does not bind to " + type.getName() + ": " + ex.getOriginalMessage(), ex);
		}
	}

	private @Nullable Class<?> resolve(String type) {
		Optional<Class<?>> known = this.types.get(type);
		if (known != null) {
			return known.orElse(null);
		}
		Class<?> loaded = load(type);
		// names come from other processes (and the actuator endpoint): remember a bounded
		// number
		if (this.types.size() < MAX_REMEMBERED_TYPES) {
			this.types.put(type, Optional.ofNullable(loaded));
		}
		return loaded;
	}

	private @Nullable Class<?> load(String name) {
		if (name.isEmpty() || name.indexOf('[') >= 0) {
			return null;
		}
		if (!JDK_VALUE_TYPES.contains(name)) {
			for (String closed : CLOSED_PACKAGES) {
				if (name.startsWith(closed)) {
					return null;
				}
			}
		}
		Class<?> type;
		try {
			type = ClassUtils.forName(name, this.classLoader);
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return null;
		}
		// other JDK classes under other names (org.w3c.dom, org.xml.sax, primitives):
		// never a payload
		return (JDK_VALUE_TYPES.contains(name) || !isJdk(type)) ? type : null;
	}

	private static boolean isJdk(Class<?> type) {
		ClassLoader loader = type.getClassLoader();
		return loader == null || loader == ClassLoader.getPlatformClassLoader();
	}

	private void reportUnbound(String type, String topic, Class<?> target, @Nullable String reason) {
		reportOnce(type, "Cluster messages of type " + type + " (topic '" + topic + "') do not bind to "
				+ target.getName() + " here (" + reason + "); they are delivered as ClusterMessageEvent");
	}

	private void reportOnce(String type, String message) {
		if (this.reported.size() < MAX_REMEMBERED_TYPES && this.reported.add(type)) {
			logger.warn(message);
		}
	}

}
