package dev.bootcluster.ipc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.Message.Answer;
import dev.bootcluster.ipc.Message.Ask;
import dev.bootcluster.ipc.Message.Deliver;
import dev.bootcluster.ipc.Message.Delivered;
import dev.bootcluster.ipc.Message.Drain;
import dev.bootcluster.ipc.Message.Heartbeat;
import dev.bootcluster.ipc.Message.Liveness;
import dev.bootcluster.ipc.Message.Hello;
import dev.bootcluster.ipc.Message.Publish;
import dev.bootcluster.ipc.Message.PublishReply;
import dev.bootcluster.ipc.Message.Ready;
import dev.bootcluster.ipc.Message.RestartReply;
import dev.bootcluster.ipc.Message.RestartRequest;
import dev.bootcluster.ipc.Message.StatusReply;
import dev.bootcluster.ipc.Message.StatusRequest;
import dev.bootcluster.ipc.Message.Welcome;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of {@link FrameCodec}: whatever a peer sends, decoding yields a message or a
 * {@link MalformedFrameException}, never anything else. (Named {@code *Test} so that
 * Surefire's default includes pick it up.)
 */
class FrameCodecPropertiesTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final FrameCodec codec = new FrameCodec(1024 * 1024);

	@Property(tries = 1000)
	void arbitraryBytesDecodeToAMessageOrAreMalformed(@ForAll @Size(min = 1, max = 2000) byte[] payload) {
		assertDecodesOrIsMalformed(payload);
	}

	@Property(tries = 1000)
	void jsonShapedInputDecodesToAMessageOrIsMalformed(@ForAll("jsonObjects") String json) {
		assertDecodesOrIsMalformed(json.getBytes(StandardCharsets.UTF_8));
	}

	@Property(tries = 500)
	void mutatedValidFramesDecodeToAMessageOrAreMalformed(@ForAll("messages") Message message,
			@ForAll("mutations") List<Mutation> mutations) {
		ByteBuffer frame = this.codec.encode(message);
		byte[] payload = new byte[frame.remaining() - FrameCodec.HEADER_BYTES];
		frame.position(FrameCodec.HEADER_BYTES).get(payload);
		for (Mutation mutation : mutations) {
			payload[Math.floorMod(mutation.index(), payload.length)] = mutation.value();
		}
		assertDecodesOrIsMalformed(payload);
	}

	@Property(tries = 300)
	void everyMessageRoundTrips(@ForAll("messages") Message message) {
		ByteBuffer frame = this.codec.encode(message);
		int length = frame.getInt();
		assertThat(length).isEqualTo(frame.remaining());
		byte[] payload = new byte[length];
		frame.get(payload);
		assertThat(this.codec.decode(payload)).isEqualTo(message);
	}

	private void assertDecodesOrIsMalformed(byte[] payload) {
		try {
			Message message = this.codec.decode(payload);
			assertThat(message).isNotNull();
		}
		catch (MalformedFrameException ex) {
			// expected for most inputs
		}
	}

	record Mutation(int index, byte value) {
	}

	@Provide
	Arbitrary<List<Mutation>> mutations() {
		return Combinators.combine(Arbitraries.integers(), Arbitraries.bytes())
			.as(Mutation::new)
			.list()
			.ofMinSize(1)
			.ofMaxSize(4);
	}

	@Provide
	Arbitrary<String> jsonObjects() {
		Arbitrary<String> type = Arbitraries
			.oneOf(Arbitraries
				.of("hello", "ready", "heartbeat", "status-request", "status-reply", "restart-request", "restart-reply",
						"drain", "publish", "publish-reply", "deliver", "delivered", "welcome", "ask", "answer",
						"Hello", "nope", "java.lang.Runtime", "")
				.map(FrameCodecPropertiesTest::quote), jsonValues(1));
		Arbitrary<String> name = Arbitraries.of("workerId", "pid", "token", "heapUsedBytes", "requestId", "snapshot",
				"role", "masterPid", "desired", "ready", "restarts", "port", "workers", "id", "state", "startedAt",
				"lastLines", "listener", "restart", "tcpMigrateReq", "trigger", "started", "operation",
				"quietPeriodMillis", "timeoutMillis", "type", "payloadType", "target", "topic", "payload", "retained",
				"acknowledged", "targets", "error", "deliveryId", "sender", "other");
		Arbitrary<String> field = Combinators.combine(name, jsonValues(3)).as((key, value) -> quote(key) + ":" + value);
		return Combinators.combine(type, field.list().ofMaxSize(8))
			.as((typeValue, fields) -> "{\"type\":" + typeValue
					+ fields.stream().map((each) -> "," + each).reduce("", String::concat) + "}");
	}

	private static Arbitrary<String> jsonValues(int depth) {
		Arbitrary<String> values = Arbitraries.oneOf(Arbitraries.just("null"), Arbitraries.of("true", "false"),
				Arbitraries.integers().map(String::valueOf), Arbitraries.longs().map(String::valueOf),
				Arbitraries.of("1e400", "-0", "1.5", "99999999999999999999999", "NaN"),
				Arbitraries.of("MASTER", "WORKER", "READY", "FAILED", "2025-01-01T00:00:00Z", "1", "")
					.map(FrameCodecPropertiesTest::quote),
				Arbitraries.strings().ofMaxLength(20).map(FrameCodecPropertiesTest::quote));
		Arbitrary<String> keys = Arbitraries.of("role", "masterPid", "desired", "ready", "restarts", "port", "workers",
				"id", "pid", "state", "uptimeMillis", "heapUsedBytes", "lastLines", "listener", "restart", "replaced",
				"total", "step", "finishedAt", "reason", "x");
		for (int level = 0; level < depth; level++) {
			Arbitrary<String> inner = values;
			Arbitrary<String> array = inner.list().ofMaxSize(3).map((items) -> "[" + String.join(",", items) + "]");
			Arbitrary<String> object = Combinators.combine(keys, inner)
				.as((key, value) -> quote(key) + ":" + value)
				.list()
				.ofMaxSize(12)
				.map((fields) -> "{" + String.join(",", fields) + "}");
			values = Arbitraries.oneOf(inner, array, object);
		}
		return values;
	}

	private static String quote(String text) {
		StringBuilder quoted = new StringBuilder("\"");
		for (char c : text.toCharArray()) {
			if (c == '"' || c == '\\') {
				quoted.append('\\').append(c);
			}
			else if (c < 0x20) {
				quoted.append(String.format("\\u%04x", (int) c));
			}
			else {
				quoted.append(c);
			}
		}
		return quoted.append('"').toString();
	}

	@Provide
	Arbitrary<Message> messages() {
		Arbitrary<String> text = Arbitraries.strings().withCharRange(' ', '\uD7FF').ofMaxLength(40);
		Arbitrary<Message> hello = Combinators.combine(Arbitraries.integers(), Arbitraries.longs(), text)
			.as(Hello::new);
		Arbitrary<Message> ready = Arbitraries.integers().map(Ready::new);
		Arbitrary<Message> heartbeat = Combinators.combine(Arbitraries.integers(), Arbitraries.longs())
			.as(Heartbeat::new);
		Arbitrary<Message> liveness = Arbitraries.of(true, false).map(Liveness::new);
		Arbitrary<Message> request = Arbitraries.longs().map(StatusRequest::new);
		Arbitrary<Message> reply = Combinators.combine(Arbitraries.longs(), snapshots(text)).as(StatusReply::new);
		Arbitrary<Message> restartRequest = Combinators.combine(Arbitraries.longs(), text).as(RestartRequest::new);
		Arbitrary<Message> restartReply = Combinators
			.combine(Arbitraries.longs(), Arbitraries.of(true, false), operations(text))
			.as(RestartReply::new);
		Arbitrary<Message> drain = Combinators.combine(Arbitraries.longs(), Arbitraries.longs(), Arbitraries.longs())
			.as(Drain::new);
		Arbitrary<JsonNode> payload = jsonTrees();
		Arbitrary<String> maybeText = text.injectNull(0.3);
		Arbitrary<Message> publish = Combinators
			.combine(Arbitraries.longs(), Arbitraries.integers(), text, maybeText, payload, Arbitraries.of(true, false))
			.as(Publish::new);
		Arbitrary<Message> publishReply = Combinators
			.combine(Arbitraries.longs(), Arbitraries.integers(), Arbitraries.integers(), maybeText)
			.as(PublishReply::new);
		Arbitrary<Message> deliver = Combinators
			.combine(Arbitraries.longs(), Arbitraries.integers(), text, maybeText, payload, Arbitraries.of(true, false))
			.as(Deliver::new);
		Arbitrary<Message> delivered = Arbitraries.longs().map(Delivered::new);
		Arbitrary<Message> welcome = Arbitraries.integers().map(Welcome::new);
		Arbitrary<Message> ask = Combinators.combine(Arbitraries.longs(), text, payload).as(Ask::new);
		// a null payload arrives as JSON null (see FrameCodecTest): generated as JSON
		// null here
		Arbitrary<Message> answer = Combinators.combine(Arbitraries.longs(), maybeText, payload, maybeText)
			.as(Answer::new);
		return Arbitraries.oneOf(hello, ready, heartbeat, liveness, request, reply, restartRequest, restartReply, drain,
				publish, publishReply, deliver, delivered, welcome, ask, answer);
	}

	/**
	 * JSON trees as the codec reads them (node types of parsed JSON: int, long, big
	 * integer, double).
	 */
	private static Arbitrary<JsonNode> jsonTrees() {
		Arbitrary<String> text = Arbitraries.strings().withCharRange(' ', '\uD7FF').ofMaxLength(20);
		Arbitrary<String> values = Arbitraries.oneOf(
				Arbitraries.of("null", "true", "false", "0", "-0.5", "1e300", "123456789012345678901234567890",
						"\"\\ud83d\\ude00\""),
				Arbitraries.integers().map(String::valueOf), Arbitraries.longs().map(String::valueOf),
				Arbitraries.doubles().map(String::valueOf), text.map(FrameCodecPropertiesTest::quote));
		for (int level = 0; level < 3; level++) {
			Arbitrary<String> inner = values;
			Arbitrary<String> array = inner.list().ofMaxSize(4).map((items) -> "[" + String.join(",", items) + "]");
			Arbitrary<String> object = Combinators.combine(text.map(FrameCodecPropertiesTest::quote), inner)
				.as((key, value) -> key + ":" + value)
				.list()
				.ofMaxSize(4)
				.map((fields) -> "{" + String.join(",", fields) + "}");
			values = Arbitraries.oneOf(inner, array, object);
		}
		return values.map(JSON::readTree);
	}

	private static Arbitrary<Instant> instants() {
		return Combinators
			.combine(Arbitraries.longs().between(0, 4_102_444_800L), Arbitraries.integers().between(0, 999_999_999))
			.as(Instant::ofEpochSecond);
	}

	private static Arbitrary<RestartOperation> operations(Arbitrary<String> text) {
		return Combinators
			.combine(text, Arbitraries.of(RestartOperation.State.class), text, Arbitraries.integers(),
					Arbitraries.integers(), text, instants(), instants().injectNull(0.5))
			.as((id, state, trigger, replaced, total, step, startedAt,
					finishedAt) -> new Object[] { id, state, trigger, replaced, total, step, startedAt, finishedAt })
			.flatMap((fields) -> Combinators.combine(text.injectNull(0.5), text.list().ofMaxSize(3))
				.as((reason, lines) -> new RestartOperation((String) fields[0], (RestartOperation.State) fields[1],
						(String) fields[2], (Integer) fields[3], (Integer) fields[4], (String) fields[5],
						(Instant) fields[6], (Instant) fields[7], reason, lines)));
	}

	private static Arbitrary<ClusterSnapshot> snapshots(Arbitrary<String> text) {
		Arbitrary<Instant> maybeInstant = instants().injectNull(0.3);
		Arbitrary<WorkerSnapshot> worker = Combinators
			.combine(Arbitraries.integers().between(1, 256), Arbitraries.longs(), Arbitraries.of(WorkerState.class),
					maybeInstant, Arbitraries.longs().greaterOrEqual(0), Arbitraries.longs().injectNull(0.3),
					Arbitraries.integers().greaterOrEqual(0), Arbitraries.integers().injectNull(0.3))
			.as((id, pid, state, startedAt, uptime, readyMillis, restarts,
					exit) -> new Object[] { id, pid, state, startedAt, uptime, readyMillis, restarts, exit })
			.flatMap((fields) -> Combinators
				.combine(maybeInstant, Arbitraries.longs().greaterOrEqual(0), text.list().ofMaxSize(5),
						Arbitraries.of(StartReason.class).injectNull(0.2), Arbitraries.integers().greaterOrEqual(0),
						Arbitraries.of(ExitCause.class), instants(), Arbitraries.longs())
				.as((heartbeat, heap, lines, startedFor, replacements, cause, exitedAt,
						exitedPid) -> new WorkerSnapshot((Integer) fields[0], (Long) fields[1], (WorkerState) fields[2],
								startedFor, (Instant) fields[3], (Long) fields[4], (Long) fields[5], heartbeat, heap,
								(Integer) fields[6], replacements,
								(fields[7] != null)
										? new WorkerSnapshot.Exit(exitedPid, (Integer) fields[7], cause, exitedAt)
										: null,
								lines)));
		return Combinators
			.combine(Arbitraries.of(ClusterRole.class), Arbitraries.longs(), Arbitraries.integers(),
					Arbitraries.integers(), Arbitraries.longs(), Arbitraries.integers().between(0, 65535),
					worker.list().ofMaxSize(4))
			.as((role, masterPid, desired, ready, restarts, port,
					workers) -> new Object[] { role, masterPid, desired, ready, restarts, port, workers })
			.flatMap((fields) -> Combinators
				.combine(operations(text).injectNull(0.5), Arbitraries.of("reuseport", "shared", "standalone"),
						Arbitraries.integers().between(0, 1).injectNull(0.3))
				.as((restart, listener, migrate) -> snapshot(fields, restart, listener, migrate)));
	}

	@SuppressWarnings("unchecked")
	private static ClusterSnapshot snapshot(Object[] fields, RestartOperation restart, String listener,
			Integer tcpMigrateReq) {
		return new ClusterSnapshot((ClusterRole) fields[0], (Long) fields[1], (Integer) fields[2], (Integer) fields[3],
				(Long) fields[4], (Integer) fields[5], (List<WorkerSnapshot>) fields[6], restart, listener,
				tcpMigrateReq);
	}

}
