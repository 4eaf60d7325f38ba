package dev.bootcluster.ipc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;
import dev.bootcluster.StoreStats;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.Message.Answer;
import dev.bootcluster.ipc.Message.Ask;
import dev.bootcluster.ipc.Message.StoreExpired;
import dev.bootcluster.ipc.Message.StoreFailure;
import dev.bootcluster.ipc.Message.StoreOp;
import dev.bootcluster.ipc.Message.StoreReply;
import dev.bootcluster.ipc.Message.StoreRequest;
import dev.bootcluster.ipc.Message.StoreWatch;
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
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link FrameCodec}.
 */
class FrameCodecTest {

	private static final int LIMIT = 64 * 1024;

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/**
	 * Nested objects and arrays, unicode, escapes, numbers of every kind, JSON nulls
	 * inside.
	 */
	private static final JsonNode NESTED = json("{\"user\":{\"name\":\"J\u00f6rg \u4e2d\ud83d\ude00\","
			+ "\"tags\":[\"a\",\"\\\"q\\\"\",\"line\\nbreak\\ttab\\u0000nul\"],\"address\":null},"
			+ "\"matrix\":[[1,2],[],[3.25,-4e-7]],\"big\":123456789012345678901234567890,"
			+ "\"long\":9223372036854775807,\"flag\":true,\"empty\":{}}");

	private final FrameCodec codec = new FrameCodec(LIMIT);

	static List<Message> messages() {
		WorkerSnapshot ready = new WorkerSnapshot(1, 4242, WorkerState.READY, StartReason.CRASH,
				Instant.parse("2025-03-01T10:15:30.123456789Z"), 61_000, 2_345L, Instant.parse("2025-03-01T10:16:31Z"),
				123_456_789L, 2, 1,
				new WorkerSnapshot.Exit(4241, 137, ExitCause.CRASHED, Instant.parse("2025-03-01T10:15:30.1Z")),
				List.of());
		WorkerSnapshot failed = new WorkerSnapshot(2, 4243, WorkerState.FAILED, StartReason.RESTART, null, 0, null,
				null, 0, 5, 0,
				new WorkerSnapshot.Exit(4243, 78, ExitCause.STOPPED, Instant.parse("2025-03-01T10:15:31Z")),
				List.of("Exception in thread \"main\" java.lang.IllegalStateException: boom", "\tat x.Y.z(Y.java:1)",
						"unicode: \u00e9\u4e2d\ud83d\ude00 \"quoted\" \\ back"));
		WorkerSnapshot neverStarted = new WorkerSnapshot(3, -1, WorkerState.STARTING, null, null, 0, null, null, 0, 0,
				0, null, List.of());
		WorkerSnapshot recycled = new WorkerSnapshot(4, 4250, WorkerState.READY, StartReason.RECYCLE, null, 10, 900L,
				null, 1 << 20, 0, 0, new WorkerSnapshot.Exit(4249, 0, ExitCause.RECYCLED,
						Instant.parse("2025-03-01T10:15:32Z"), "max-requests: served 1000 requests (limit 1000)"),
				List.of(), 12, 2.5, 8 << 20, 200 << 20, 3);
		RestartOperation running = new RestartOperation("r-1", RestartOperation.State.RUNNING,
				"POST /actuator/cluster/restart on worker-1", 1, 3, "waiting for worker-2 to be READY",
				Instant.parse("2025-03-01T10:20:00Z"), null, null, List.of());
		RestartOperation failedOperation = new RestartOperation("r-2", RestartOperation.State.FAILED, "SIGHUP", 0, 3,
				"starting a replacement for worker-1", Instant.parse("2025-03-01T10:20:00Z"),
				Instant.parse("2025-03-01T10:21:00.5Z"), "replacement not READY within 60 s",
				List.of("APPLICATION FAILED TO START", "\u00e9\ud83d\ude00"));
		ClusterSnapshot snapshot = new ClusterSnapshot(ClusterRole.MASTER, 4000, 3, 1, 7, 8080,
				List.of(ready, failed, neverStarted, recycled), null, "reuseport", 1);
		ClusterSnapshot restarting = new ClusterSnapshot(ClusterRole.MASTER, 4000, 3, 3, 0, 8080,
				List.of(ready, ready, ready), running, "shared", null,
				new StoreStats(12, 4096, 64L << 20, 3, 1, Long.MAX_VALUE), 100 << 20);
		byte[] binary = { 0, -1, 127, -128, '"', '\\', '\n' };
		return List.of(new Hello(1, 4242, "s3cr3t-t0ken"), new Hello(0, Long.MAX_VALUE, ""), new Ready(256),
				new Message.Features(3), new Message.Features(Integer.MAX_VALUE),
				new Message.Collect(1, 0, "metrics.prometheus", json("{}"), 2000),
				new Message.Collect(Long.MAX_VALUE, 256, "\u00e9", NESTED, Long.MAX_VALUE),
				new Message.Query(1, "metrics.metric", json("{\"name\":\"jvm.threads.live\",\"tags\":[]}")),
				new Message.QueryResult(1, json("[{\"type\":\"gauge\",\"points\":[]}]"), null),
				new Message.QueryResult(2, null, "worker-2 answers no query 'x' \u4e2d"),
				new Message.Collected(1,
						List.of(new Message.Part(1, 4242, json("[1,2]"), null),
								new Message.Part(2, 4243, null, "boom")),
						List.of(3), null),
				new Message.Collected(2, List.of(), List.of(), "worker-7 is not READY"),
				new Message.ScaleRequest(1, 4, "POST /actuator/cluster/scale via worker-1"),
				new Message.ScaleRequest(Long.MAX_VALUE, Integer.MIN_VALUE, ""),
				new Message.ScaleReply(1, 2, 4, null, false),
				new Message.ScaleReply(2, 0, 0, "A worker count is a whole number from 1 to 256, not 0", true),
				new Heartbeat(3, Long.MAX_VALUE), new Heartbeat(-1, 0), new Message.Pulse(2, 1 << 20, 12_345, -1, -1),
				new Message.Pulse(1, 0, Long.MAX_VALUE, 8 << 20, 256 << 20), new Liveness(true), new Liveness(false),
				new StatusRequest(99), new StatusReply(99, snapshot), new StatusReply(0, snapshot),
				new StatusReply(Long.MIN_VALUE,
						new ClusterSnapshot(ClusterRole.STANDALONE, 1, 1, 1, 0, 0, List.of(), null, "standalone",
								null)),
				new RestartRequest(5, "POST /actuator/cluster/restart on worker-1"), new RestartReply(5, true, running),
				new RestartReply(6, false, failedOperation), new StatusReply(100, restarting),
				new Drain(500, 5_000, 30_000), new Drain(0, 0, Long.MAX_VALUE),
				new Publish(1, 0, "prices", "com.example.PriceChanged", NESTED, true),
				new Publish(2, 3, "", null, json("[]"), false),
				new Publish(Long.MAX_VALUE, -1, "t\u00e9\ud83d\ude00 \"q\"", "hello", json("\"just a string\""), false),
				new Publish(4, 0, "nulls", null, NullNode.getInstance(), true), new PublishReply(1, 2, 3, null),
				new PublishReply(2, 0, 0, "Nothing was delivered: \u00e9\n\"x\""),
				new PublishReply(Long.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, ""),
				new Deliver(1, 0, "prices", "com.example.PriceChanged", NESTED, true),
				new Deliver(Long.MAX_VALUE, 256, "\u4e2d", null, json("[1,-2.5,true,null,{\"a\":[]}]"), false),
				new Deliver(3, 1, "numbers", "publish", json("12345678901234567890"), false),
				new Deliver(4, 2, "scalars", null, json("false"), true), new Delivered(1),
				new Delivered(Long.MIN_VALUE), new Welcome(0), new Welcome(2), new Welcome(Integer.MAX_VALUE),
				new Ask(1, "com.example.CountUsers", json("{}")), new Ask(Long.MAX_VALUE, "", NESTED),
				new Ask(3, "ask", json("[\"\u00e9\ud83d\ude00\", 0]")),
				new Answer(1, "com.example.UserCount", json("{\"count\":42}"), null),
				new Answer(2, null, NullNode.getInstance(), "The master's request listener failed: boom \u00e9"),
				new Answer(3, null, json("[]"), null), new Answer(4, "java.lang.String", json("\"\u4e2d\""), ""),
				new StoreRequest(1, StoreOp.PUT, "spring:session:\u00e9", binary, null, 1800_000),
				new StoreRequest(2, StoreOp.COMPARE_AND_SET, "k", new byte[0], binary, 0),
				new StoreRequest(Long.MAX_VALUE, StoreOp.GET, "", null, null, Long.MAX_VALUE),
				new StoreReply(1, true, binary, null, null), new StoreReply(2, false, null, null, null),
				new StoreReply(3, false, null, StoreFailure.FULL, "Cannot store key 'k'"),
				new StoreReply(4, false, null, StoreFailure.INVALID, ""), new StoreWatch("spring:session:"),
				new StoreExpired("spring:session:1", binary),
				new Message.CacheInvalidate(1, "cacheManager/prices", "s:price-\u00e9\ud83d\ude00 \"q\""),
				new Message.CacheInvalidate(Long.MAX_VALUE, "", null),
				new Message.CacheInvalidate(3, "cacheManager/users", "j:rO0ABXNyACJvcmcu_-"),
				new Message.CacheInvalidateReply(1, 2, 3), new Message.CacheInvalidateReply(Long.MIN_VALUE, 0, 0),
				new Message.CacheInvalidation(1, "cacheManager/prices", "l:-9223372036854775808"),
				new Message.CacheInvalidation(Long.MAX_VALUE, "\u4e2d", null), new Message.CacheInvalidated(1),
				new Message.CacheInvalidated(Long.MIN_VALUE),
				new Message.Schedules("one-worker", List.of("Jobs.report", "\u4e2d"), List.of()),
				new Message.Schedules("every-worker", List.of(), List.of("Jobs.refresh")));
	}

	@ParameterizedTest
	@MethodSource("messages")
	void roundTrip(Message message) {
		ByteBuffer frame = this.codec.encode(message);
		int length = frame.getInt();
		assertThat(length).isEqualTo(frame.remaining());
		byte[] payload = new byte[length];
		frame.get(payload);
		assertThat(this.codec.decode(payload)).isEqualTo(message);
	}

	@Test
	void frameIsLengthPrefixedJsonWithTypeName() {
		ByteBuffer frame = this.codec.encode(new Ready(5));
		assertThat(frame.position()).isZero();
		int length = frame.getInt();
		String json = StandardCharsets.UTF_8.decode(frame).toString();
		assertThat(json.getBytes(StandardCharsets.UTF_8)).hasSize(length);
		assertThat(json).contains("\"type\":\"ready\"").contains("\"workerId\":5");
	}

	@Test
	void aStatusFromAnEarlierMasterWithoutTheNewerFiguresDecodesWithTheirAbsentValues() {
		String earlier = "{\"type\":\"status-reply\",\"requestId\":3,\"snapshot\":{\"role\":\"MASTER\",\"masterPid\":40,"
				+ "\"desired\":1,\"ready\":1,\"restarts\":0,\"port\":8080,\"listener\":\"shared\","
				+ "\"tcpMigrateReq\":null,\"restart\":null,\"store\":null,\"workers\":[{\"id\":1,\"pid\":41,"
				+ "\"state\":\"READY\",\"startedFor\":\"START\",\"startedAt\":null,\"uptimeMillis\":5,"
				+ "\"readyMillis\":null,\"lastHeartbeat\":null,\"heapUsedBytes\":7,\"restarts\":0,\"replacements\":0,"
				+ "\"lastExit\":{\"pid\":39,\"exitCode\":0,\"cause\":\"REPLACED\",\"at\":\"2025-03-01T10:15:30Z\"},"
				+ "\"lastLines\":[]}]}}";
		StatusReply reply = (StatusReply) this.codec.decode(earlier.getBytes(StandardCharsets.UTF_8));
		assertThat(reply.snapshot().masterRssBytes()).isEqualTo(-1);
		WorkerSnapshot worker = reply.snapshot().workers().get(0);
		assertThat(worker.heapUsedBytes()).isEqualTo(7);
		assertThat(worker.requests()).isEqualTo(-1);
		assertThat(worker.requestsPerSecond()).isEqualTo(-1);
		assertThat(worker.heapAfterGcBytes()).isEqualTo(-1);
		assertThat(worker.rssBytes()).isEqualTo(-1);
		assertThat(worker.recycles()).isZero();
		assertThat(worker.lastExit().reason()).isNull();
		// an older component is still required
		assertThatExceptionOfType(MalformedFrameException.class).isThrownBy(
				() -> this.codec.decode(earlier.replace("\"heapUsedBytes\":7,", "").getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void everyMessageTypeIsCovered() {
		assertThat(Message.class.getPermittedSubclasses())
			.allSatisfy((type) -> assertThat(messages()).anyMatch(type::isInstance));
	}

	@Test
	void payloadsKeepTheirShapeThroughAFrame() {
		Deliver deliver = (Deliver) decode(this.codec.encode(new Deliver(1, 0, "t", null, NESTED, true)));
		JsonNode payload = deliver.payload();
		assertThat(payload.isObject()).isTrue();
		assertThat(payload.get("user").get("name").asString()).isEqualTo("J\u00f6rg \u4e2d\ud83d\ude00");
		assertThat(payload.get("user").get("tags").get(2).asString()).isEqualTo("line\nbreak\ttab\u0000nul");
		assertThat(payload.get("user").get("address").isNull()).isTrue();
		assertThat(payload.get("matrix").get(1).isArray()).isTrue();
		assertThat(payload.get("matrix").get(1).isEmpty()).isTrue();
		assertThat(payload.get("big").bigIntegerValue()).hasToString("123456789012345678901234567890");
		assertThat(payload.get("long").longValue()).isEqualTo(Long.MAX_VALUE);
	}

	/**
	 * {@code Publish}, {@code Deliver}, {@code Ask} and {@code Answer} carry the
	 * payload's type in {@code payloadType}, apart from {@code type} (the message's): a
	 * payload type spelled like a message type changes nothing, and no frame has two
	 * {@code type} keys.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "hello", "deliver", "publish", "ask", "answer", "com.example.Thing" })
	void payloadTypeNamedLikeAMessageTypeDoesNotChangeTheMessage(String payloadType) {
		List<Message> messages = List.of(new Publish(1, 0, "t", payloadType, json("{}"), false),
				new Deliver(2, 1, "t", payloadType, json("{}"), true), new Ask(3, payloadType, json("{}")),
				new Answer(4, payloadType, json("{}"), null));
		for (Message message : messages) {
			ByteBuffer frame = this.codec.encode(message);
			String json = StandardCharsets.UTF_8.decode(frame.duplicate().position(FrameCodec.HEADER_BYTES)).toString();
			assertThat(json).startsWith("{\"type\":\"" + typeName(message) + "\"")
				.contains("\"payloadType\":\"" + payloadType + "\"");
			// exactly one "type" key: plain JSON readers see the message type too
			assertThat(json.split("\"type\":", -1)).hasSize(2);
			assertThat(decode(frame)).isEqualTo(message);
		}
	}

	/** The message type name, from the {@code @JsonSubTypes} of {@link Message}. */
	private static String typeName(Message message) {
		for (JsonSubTypes.Type type : Message.class.getAnnotation(JsonSubTypes.class).value()) {
			if (type.value() == message.getClass()) {
				return type.name();
			}
		}
		throw new IllegalArgumentException(message.toString());
	}

	@ParameterizedTest
	@ValueSource(strings = {
			"{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"payloadType\":null,\"payload\":null,\"retained\":false}",
			"{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"payloadType\":\"x.Y\",\"payload\":null,\"retained\":true}",
			"{\"type\":\"ask\",\"requestId\":1,\"payloadType\":\"x.Y\",\"payload\":null}" })
	void jsonNullPayloadDecodesToJsonNullNode(String json) {
		Message message = this.codec.decode(json.getBytes(StandardCharsets.UTF_8));
		JsonNode payload;
		if (message instanceof Publish publish) {
			payload = publish.payload();
		}
		else if (message instanceof Deliver deliver) {
			payload = deliver.payload();
		}
		else if (message instanceof Ask ask) {
			payload = ask.payload();
		}
		else {
			throw new AssertionError("decoded to " + message);
		}
		assertThat(payload).isNotNull().isSameAs(NullNode.getInstance());
		assertThat(payload.isNull()).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = {
			"{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"type\":null,\"retained\":false}",
			"{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"payloadType\":\"x.Y\",\"retained\":true}",
			"{\"type\":\"ask\",\"requestId\":1,\"payloadType\":\"x.Y\"}",
			"{\"type\":\"answer\",\"requestId\":1,\"type\":null,\"error\":\"e\"}" })
	void missingPayloadIsMalformed(String json) {
		assertThatExceptionOfType(MalformedFrameException.class)
			.isThrownBy(() -> this.codec.decode(json.getBytes(StandardCharsets.UTF_8)))
			.withMessageContaining("payload");
	}

	/** A null payload is written as JSON null, so it arrives as a JSON null node. */
	@Test
	void answerWithoutPayloadArrivesWithJsonNull() {
		Answer answer = (Answer) decode(this.codec.encode(new Answer(5, null, null, "failed")));
		assertThat(answer.requestId()).isEqualTo(5);
		assertThat(answer.payloadType()).isNull();
		assertThat(answer.error()).isEqualTo("failed");
		assertThat(answer.payload()).isNotNull();
		assertThat(answer.payload().isNull()).isTrue();
	}

	/** Hand-written frames, as the records' own JSON has the {@code type} key twice. */
	@ParameterizedTest
	@ValueSource(strings = {
			// no payload type key: only the message type is there
			"{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"payload\":{},\"retained\":false}",
			"{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":null,\"payloadType\":null,\"payload\":{},\"retained\":false}",
			"{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"payloadType\":null,\"payload\":{},\"retained\":false}",
			"{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"payloadType\":null,\"payload\":{}}",
			"{\"type\":\"publish\",\"requestId\":1,\"topic\":\"t\",\"payloadType\":null,\"payload\":{},\"retained\":false}",
			"{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"payloadType\":null,\"payload\":{},\"retained\":null}",
			"{\"type\":\"publish\",\"requestId\":1,\"target\":\"all\",\"topic\":\"t\",\"payloadType\":null,\"payload\":{},\"retained\":false}",
			"{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":null,\"payloadType\":null,\"payload\":1,\"retained\":true}",
			"{\"type\":\"deliver\",\"sender\":0,\"topic\":\"t\",\"payloadType\":null,\"payload\":1,\"retained\":true}",
			"{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"payloadType\":null,\"payload\":1}",
			"{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":[\"t\"],\"payloadType\":null,\"payload\":1,\"retained\":true}",
			"{\"type\":\"delivered\"}", "{\"type\":\"delivered\",\"deliveryId\":null}",
			"{\"type\":\"delivered\",\"deliveryId\":\"one\"}", "{\"type\":\"welcome\"}",
			"{\"type\":\"welcome\",\"retained\":null}", "{\"type\":\"welcome\",\"retained\":1e12}",
			"{\"type\":\"publish-reply\",\"requestId\":1,\"acknowledged\":1,\"targets\":2}",
			"{\"type\":\"publish-reply\",\"requestId\":1,\"targets\":2,\"error\":null}",
			"{\"type\":\"publish-reply\",\"requestId\":1,\"acknowledged\":null,\"targets\":2,\"error\":null}",
			"{\"type\":\"ask\",\"requestId\":1,\"payloadType\":null,\"payload\":{}}",
			"{\"type\":\"ask\",\"requestId\":1,\"payload\":{}}",
			"{\"type\":\"ask\",\"payloadType\":\"x.Y\",\"payload\":{}}",
			"{\"type\":\"answer\",\"requestId\":1,\"payload\":{},\"error\":null}",
			"{\"type\":\"answer\",\"requestId\":null,\"payloadType\":null,\"payload\":{},\"error\":null}",
			"{\"type\":\"answer\",\"requestId\":1,\"payloadType\":null,\"payload\":{},\"error\":{}}",
			// the payload type before the message type: it is taken as the message type
			"{\"type\":\"x.Y\",\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"payload\":1,\"retained\":true}",
			"{\"type\":\"Publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"payloadType\":null,\"payload\":{},\"retained\":false}",
			"{\"type\":\"dev.bootcluster.ipc.Message$Deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"payloadType\":null,\"payload\":1,\"retained\":true}" })
	void decodeRejectsBrokenMessagingFrames(String json) {
		assertMalformed(json.getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void messagingRecordsRefuseNullRequiredComponents() {
		JsonNode empty = json("{}");
		assertThatNullPointerException().isThrownBy(() -> new Publish(1, 0, null, null, empty, false));
		assertThatNullPointerException().isThrownBy(() -> new Publish(1, 0, "t", null, null, false));
		assertThatNullPointerException().isThrownBy(() -> new Deliver(1, 0, null, null, empty, false));
		assertThatNullPointerException().isThrownBy(() -> new Deliver(1, 0, "t", null, null, false));
		assertThatNullPointerException().isThrownBy(() -> new Ask(1, null, empty));
		assertThatNullPointerException().isThrownBy(() -> new Ask(1, "x.Y", null));
	}

	@Test
	void deliveryOverLimitIsRefusedByEncode() {
		FrameCodec small = new FrameCodec(256);
		JsonNode large = json("{\"text\":\"" + "\u00e9".repeat(200) + "\"}");
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> small.encode(new Deliver(1, 0, "t", null, large, false)));
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> small.encode(new Publish(1, 0, "t", null, large, false)));
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> small.encode(new Answer(1, null, large, null)));
	}

	private static JsonNode json(String text) {
		return JSON.readTree(text);
	}

	private Message decode(ByteBuffer frame) {
		ByteBuffer copy = frame.duplicate();
		int length = copy.getInt();
		byte[] payload = new byte[length];
		copy.get(payload);
		return this.codec.decode(payload);
	}

	@Test
	void encodeRejectsMessageOverLimit() {
		FrameCodec small = new FrameCodec(256);
		Hello hello = new Hello(1, 2, "x".repeat(300));
		int size = FrameCodec.toJson(hello).length;
		assertThatExceptionOfType(MessageTooLargeException.class).isThrownBy(() -> small.encode(hello))
			.satisfies((ex) -> {
				assertThat(ex.getSize()).isEqualTo(size);
				assertThat(ex.getLimit()).isEqualTo(256);
				assertThat(ex.getMessage()).contains(Integer.toString(size))
					.contains("256")
					.contains("cluster.ipc.max-message-size");
			});
	}

	@Test
	void encodeAcceptsMessageExactlyAtLimit() {
		Hello hello = new Hello(1, 2, "x".repeat(100));
		int size = FrameCodec.toJson(hello).length;
		assertThat(new FrameCodec(size).encode(hello).remaining()).isEqualTo(FrameCodec.HEADER_BYTES + size);
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> new FrameCodec(size - 1).encode(hello));
	}

	@Test
	void encodeMeasuresUtf8Bytes() {
		// 100 characters, 300 bytes of UTF-8
		Hello hello = new Hello(1, 2, "\u4e2d".repeat(100));
		int size = FrameCodec.toJson(hello).length;
		assertThat(size).isGreaterThan(300);
		assertThatExceptionOfType(MessageTooLargeException.class).isThrownBy(() -> new FrameCodec(250).encode(hello));
	}

	@Test
	void limitBelow64BytesIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new FrameCodec(63));
		assertThatIllegalArgumentException().isThrownBy(() -> new FrameCodec(0));
		assertThat(new FrameCodec(64).maxMessageSize()).isEqualTo(64);
	}

	@ParameterizedTest
	@ValueSource(ints = { 0, -1, Integer.MIN_VALUE, LIMIT + 1, Integer.MAX_VALUE })
	void checkLengthRejectsNonPositiveAndOverLimit(int length) {
		assertThatExceptionOfType(MalformedFrameException.class).isThrownBy(() -> this.codec.checkLength(length));
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 64, LIMIT })
	void checkLengthAcceptsPositiveUpToLimit(int length) {
		assertThat(this.codec.checkLength(length)).isEqualTo(length);
	}

	@Test
	void checkLengthOverLimitNamesTheProperty() {
		assertThatExceptionOfType(MalformedFrameException.class).isThrownBy(() -> this.codec.checkLength(LIMIT + 1))
			.withMessageContaining("cluster.ipc.max-message-size")
			.withMessageContaining(Integer.toString(LIMIT));
	}

	@Test
	void decodeRejectsEmptyAndOversizedPayloads() {
		assertThatExceptionOfType(MalformedFrameException.class).isThrownBy(() -> this.codec.decode(new byte[0]));
		byte[] oversized = ("{\"type\":\"ready\",\"workerId\":1,\"pad\":\"" + "x".repeat(LIMIT) + "\"}")
			.getBytes(StandardCharsets.UTF_8);
		assertThatExceptionOfType(MalformedFrameException.class).isThrownBy(() -> this.codec.decode(oversized));
	}

	@ParameterizedTest
	@ValueSource(strings = { "hello world", "{", "}", "{\"type\":", "{\"type\":\"ready\",\"workerId\":1", "null", "[]",
			"[1,2]", "[\"nope\",{}]", "\"hello\"", "42", "true", "{}", "{\"workerId\":1}",
			"{\"type\":null,\"workerId\":1}", "{\"type\":\"nope\"}", "{\"type\":\"java.lang.Runtime\"}",
			"{\"type\":\"dev.bootcluster.ipc.Message$Hello\",\"workerId\":1,\"pid\":2,\"token\":\"t\"}",
			"{\"type\":\"Hello\",\"workerId\":1,\"pid\":2,\"token\":\"t\"}", "{\"type\":1}", "{\"type\":[\"hello\"]}",
			"{\"type\":\"hello\"}", "{\"type\":\"hello\",\"workerId\":1,\"pid\":2}",
			"{\"type\":\"hello\",\"workerId\":1,\"token\":\"t\"}", "{\"type\":\"hello\",\"pid\":2,\"token\":\"t\"}",
			"{\"type\":\"hello\",\"workerId\":\"one\",\"pid\":2,\"token\":\"t\"}",
			"{\"type\":\"hello\",\"workerId\":1,\"pid\":{},\"token\":\"t\"}",
			"{\"type\":\"hello\",\"workerId\":1,\"pid\":2,\"token\":{\"a\":1}}",
			"{\"type\":\"hello\",\"workerId\":null,\"pid\":2,\"token\":\"t\"}",
			"{\"type\":\"hello\",\"workerId\":99999999999,\"pid\":2,\"token\":\"t\"}",
			"{\"type\":\"hello\",\"workerId\":1,\"pid\":1e40,\"token\":\"t\"}",
			"{\"type\":\"heartbeat\",\"workerId\":1,\"heapUsedBytes\":\"lots\"}", "{\"type\":\"status-request\"}",
			"{\"type\":\"status-reply\",\"requestId\":1}",
			"{\"type\":\"status-reply\",\"requestId\":1,\"snapshot\":7}" })
	void decodeRejectsWhatIsNotAMessage(String json) {
		assertMalformed(json.getBytes(StandardCharsets.UTF_8));
	}

	@ParameterizedTest
	@MethodSource("brokenMessages")
	void decodeRejectsBrokenFieldsOfValidMessages(String json) {
		assertMalformed(json.getBytes(StandardCharsets.UTF_8));
	}

	static List<String> brokenMessages() {
		StatusReply reply = (StatusReply) messages().stream()
			.filter((message) -> message instanceof StatusReply status && !status.snapshot().workers().isEmpty())
			.findFirst()
			.orElseThrow();
		return List.of(mutate(reply, (json) -> snapshot(json).put("role", "KING")),
				mutate(reply, (json) -> snapshot(json).put("masterPid", "one")),
				mutate(reply, (json) -> snapshot(json).putNull("workers")),
				mutate(reply, (json) -> snapshot(json).remove("listener")),
				mutate(reply, (json) -> snapshot(json).putArray("workers").addObject().put("id", 1)),
				mutate(reply, (json) -> firstWorker(json).put("state", "SLEEPING")),
				mutate(reply, (json) -> firstWorker(json).put("startedAt", "yesterday")),
				mutate(reply, (json) -> firstWorker(json).putArray("lastLines").add("a").addNull()),
				mutate(reply, (json) -> firstWorker(json).putNull("lastLines")),
				mutate(reply, (json) -> firstWorker(json).remove("pid")),
				mutate(new Hello(1, 2, "t"), (json) -> json.put("type", "Hello")),
				mutate(new Hello(1, 2, "t"), (json) -> json.remove("type")));
	}

	@Test
	void decodeRejectsInvalidUtf8() {
		assertMalformed(new byte[] { (byte) 0xff, (byte) 0xfe, (byte) 0xfd });
		assertMalformed(new byte[] { '{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xc3, '"', '}' });
	}

	@Test
	void decodeRejectsDeepNestingWithoutStackOverflow() {
		String deep = "{\"type\":\"ready\",\"workerId\":1,\"extra\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}";
		assertMalformed(deep.getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void decodeIgnoresUnknownProperties() {
		byte[] json = "{\"type\":\"ready\",\"workerId\":4,\"since\":\"v2\"}".getBytes(StandardCharsets.UTF_8);
		assertThat(this.codec.decode(json)).isEqualTo(new Ready(4));
	}

	@ParameterizedTest
	@MethodSource("nullsForRequiredFields")
	void decodeRejectsNullForRequiredFields(String json) {
		assertMalformed(json.getBytes(StandardCharsets.UTF_8));
	}

	static List<String> nullsForRequiredFields() {
		List<Message> messages = messages();
		StatusReply reply = (StatusReply) messages.stream()
			.filter((message) -> message instanceof StatusReply status && !status.snapshot().workers().isEmpty())
			.findFirst()
			.orElseThrow();
		RestartRequest restartRequest = (RestartRequest) messages.stream()
			.filter(RestartRequest.class::isInstance)
			.findFirst()
			.orElseThrow();
		RestartReply restartReply = (RestartReply) messages.stream()
			.filter(RestartReply.class::isInstance)
			.findFirst()
			.orElseThrow();
		return List.of(mutate(new Hello(1, 2, "t"), (json) -> json.putNull("token")),
				mutate(reply, (json) -> json.putNull("snapshot")),
				mutate(reply, (json) -> snapshot(json).putNull("role")),
				mutate(reply, (json) -> snapshot(json).putNull("listener")),
				mutate(reply, (json) -> firstWorker(json).putNull("state")),
				mutate(restartRequest, (json) -> json.putNull("trigger")),
				mutate(restartReply, (json) -> json.putNull("operation")));
	}

	/** The JSON of a valid message, changed; fails if the change changed nothing. */
	private static String mutate(Message message, Consumer<ObjectNode> change) {
		String original = new String(FrameCodec.toJson(message), StandardCharsets.UTF_8);
		ObjectNode json = (ObjectNode) JSON.readTree(original);
		change.accept(json);
		String changed = JSON.writeValueAsString(json);
		assertThat(changed).isNotEqualTo(original);
		return changed;
	}

	private static ObjectNode snapshot(ObjectNode reply) {
		return (ObjectNode) reply.get("snapshot");
	}

	private static ObjectNode firstWorker(ObjectNode reply) {
		return (ObjectNode) snapshot(reply).get("workers").get(0);
	}

	@Test
	void helloDoesNotPrintItsToken() {
		Hello hello = new Hello(3, 1234, "very-secret-token");
		assertThat(hello.toString()).doesNotContain("very-secret-token").contains("3").contains("1234");
		assertThat(new ArrayList<>(List.of(hello)).toString()).doesNotContain("very-secret-token");
	}

	private void assertMalformed(byte[] payload) {
		assertThatExceptionOfType(MalformedFrameException.class).isThrownBy(() -> this.codec.decode(payload));
	}

}
