package dev.bootcluster.actuate;

import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameter;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameters;
import org.springframework.boot.actuate.endpoint.invoke.reflect.OperationMethod;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.RestartOperation;
import dev.bootcluster.WorkerState;
import dev.bootcluster.actuate.ClusterEndpoint.AnsweredBy;
import dev.bootcluster.actuate.ClusterEndpoint.BroadcastDelivered;
import dev.bootcluster.actuate.ClusterEndpoint.Failure;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.messaging.BroadcastResult;
import dev.bootcluster.messaging.ClusterMessageEvent;
import dev.bootcluster.messaging.ClusterMessagingException;
import dev.bootcluster.messaging.ClusterMessenger;
import dev.bootcluster.messaging.MessageDispatcher;
import dev.bootcluster.messaging.PayloadCodec;
import dev.bootcluster.messaging.StandaloneClusterMessenger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /actuator/cluster/broadcast}: {@link ClusterEndpoint#action} with a real
 * {@link StandaloneClusterMessenger} whose deliveries are recorded.
 */
class ClusterEndpointBroadcastTest {

	private static final long PID = ProcessHandle.current().pid();

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private static final RestartOperation OPERATION = new RestartOperation("r-1", RestartOperation.State.RUNNING,
			"test", 0, 1, "starting", Instant.parse("2025-01-01T00:00:00Z"), null, null, List.of());

	private static final AnsweredBy STANDALONE = new AnsweredBy(ClusterRole.STANDALONE, 0, PID);

	private final List<Object> delivered = new ArrayList<>();

	private final PayloadCodec codec = new PayloadCodec(() -> MAPPER, new FrameCodec(1024),
			getClass().getClassLoader());

	private final ClusterMessenger messenger = new StandaloneClusterMessenger(this.codec,
			new MessageDispatcher(this.codec, this.delivered::add), Duration.ofSeconds(5));

	private final StubClusterOperations operations = new StubClusterOperations(ClusterRole.STANDALONE, 0,
			() -> Snapshots.cluster(WorkerState.READY), null);

	private final ClusterEndpoint endpoint = new ClusterEndpoint(this.operations, this.messenger);

	@Test
	void broadcastIsDeliveredAsClusterMessageEvent() {
		String json = "{\"count\": 3, \"names\": [\"a\", \"b\"]}";
		WebEndpointResponse<Object> response = this.endpoint.action("broadcast", "users", json, null, null, null);
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
		assertThat(response.getBody()).isEqualTo(new BroadcastDelivered("users", false, 1, 1, STANDALONE));
		assertThat(this.delivered).singleElement().isInstanceOfSatisfying(ClusterMessageEvent.class, (event) -> {
			assertThat(event.topic()).isEqualTo("users");
			assertThat(event.sender()).isZero();
			assertThat(event.type()).isNull();
			assertThat(event.retained()).isFalse();
			assertThat(MAPPER.readTree(event.json())).isEqualTo(MAPPER.readTree(json));
		});
		assertThat(this.operations.lastTrigger()).isNull();
	}

	@ParameterizedTest
	@CsvSource({ "true, true", "false, false" })
	void retainedIsTrueOrFalse(String retained, boolean expected) {
		WebEndpointResponse<Object> response = this.endpoint.action("broadcast", "config", "1", retained, null, null);
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
		assertThat(response.getBody()).isInstanceOfSatisfying(BroadcastDelivered.class,
				(body) -> assertThat(body.retained()).isEqualTo(expected));
		assertThat(this.delivered).singleElement()
			.isInstanceOfSatisfying(ClusterMessageEvent.class,
					(event) -> assertThat(event.retained()).isEqualTo(expected));
	}

	@Test
	void typeNamingAKnownClassIsDeliveredAsThatClass() {
		WebEndpointResponse<Object> response = this.endpoint.action("broadcast", "notes", "{\"text\": \"hi\"}", "false",
				Note.class.getName(), null);
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
		assertThat(this.delivered).containsExactly(new Note("hi"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "  " })
	void blankTypeIsNoType(String type) {
		this.endpoint.action("broadcast", "notes", "{\"text\": \"hi\"}", null, type, null);
		assertThat(this.delivered).singleElement()
			.isInstanceOfSatisfying(ClusterMessageEvent.class, (event) -> assertThat(event.type()).isNull());
	}

	@ParameterizedTest
	@NullSource
	@ValueSource(strings = { "", " ", "\t" })
	void missingOrBlankTopicIsABadRequest(@Nullable String topic) {
		assertBadRequest(this.endpoint.action("broadcast", topic, "{}", null, null, null), "'topic'");
	}

	@Test
	void missingPayloadIsABadRequest() {
		assertBadRequest(this.endpoint.action("broadcast", "users", null, null, null, null), "'payload'");
	}

	@ParameterizedTest
	@ValueSource(strings = { "{", "not json", "{\"a\": }", "[1, 2", "1 2", "", "   " })
	void payloadThatIsNotJsonIsABadRequest(String payload) {
		assertBadRequest(this.endpoint.action("broadcast", "users", payload, null, null, null),
				"'payload' is not valid JSON");
	}

	@ParameterizedTest
	@ValueSource(strings = { "yes", "TRUE", "False", "1", "", " true" })
	void retainedOtherThanTrueOrFalseIsABadRequest(String retained) {
		assertBadRequest(this.endpoint.action("broadcast", "users", "{}", retained, null, null), "'retained'");
	}

	@Test
	void payloadOverTheLimitIsTooLarge() {
		String payload = "\"" + "x".repeat(2000) + "\"";
		WebEndpointResponse<Object> response = this.endpoint.action("broadcast", "users", payload, "true", null, null);
		assertThat(response.getStatus()).isEqualTo(413);
		assertThat(response.getBody()).isInstanceOfSatisfying(Failure.class, (failure) -> {
			assertThat(failure.error()).contains("cluster.ipc.max-message-size").contains("'users'");
			assertThat(failure.answeredBy()).isEqualTo(STANDALONE);
		});
		assertThat(this.delivered).isEmpty();
	}

	@Test
	void withoutMessengerBroadcastIsUnavailable() {
		WebEndpointResponse<Object> response = new ClusterEndpoint(this.operations, null).action("broadcast", "users",
				"{}", null, null, null);
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		assertThat(response.getBody()).isInstanceOf(Failure.class);
	}

	@Test
	void unreachableMasterIsUnavailable() {
		ClusterMessenger unreachable = new FixedMessenger(() -> {
			throw new ClusterMessagingException("Cannot reach the master");
		});
		WebEndpointResponse<Object> response = new ClusterEndpoint(worker(), unreachable).action("broadcast", "users",
				"{}", null, null, null);
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		assertThat(response.getBody())
			.isEqualTo(new Failure("Cannot reach the master", new AnsweredBy(ClusterRole.WORKER, 2, PID)));
	}

	@Test
	void countsAreTheMessengersAndTheRelayingWorkerIsNamed() {
		FixedMessenger messenger = new FixedMessenger(() -> new BroadcastResult(3, 4));
		WebEndpointResponse<Object> response = new ClusterEndpoint(worker(), messenger).action("broadcast", "users",
				" {\"n\": 1} ", "true", " ", null);
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
		assertThat(response.getBody())
			.isEqualTo(new BroadcastDelivered("users", true, 3, 4, new AnsweredBy(ClusterRole.WORKER, 2, PID)));
		assertThat(messenger.published).containsExactly("users| {\"n\": 1} |null|true");
	}

	@Test
	void actionWithoutBodyIsTheActionWithoutParameters() {
		assertBadRequest(this.endpoint.actionWithoutBody("broadcast"), "'topic'");
		StubClusterOperations restarting = worker()
			.onRestart((trigger) -> new ClusterOperations.RestartOutcome(true, OPERATION));
		assertThat(new ClusterEndpoint(restarting, this.messenger).actionWithoutBody("restart").getStatus())
			.isEqualTo(202);
		assertThat(restarting.lastTrigger()).contains("POST /actuator/cluster/restart");
		assertThat(this.endpoint.actionWithoutBody("stop").getStatus()).isEqualTo(WebEndpointResponse.STATUS_NOT_FOUND);
	}

	@Test
	void onlyTheActionIsAMandatoryParameter() throws Exception {
		Method action = ClusterEndpoint.class.getMethod("action", String.class, String.class, String.class,
				String.class, String.class, String.class);
		OperationParameters parameters = new OperationMethod(action, OperationType.WRITE).getParameters();
		assertThat(parameters.stream().map(OperationParameter::getName)).containsExactly("action", "topic", "payload",
				"retained", "type", "workers");
		assertThat(parameters.stream().filter(OperationParameter::isMandatory).map(OperationParameter::getName))
			.containsExactly("action");
	}

	private void assertBadRequest(WebEndpointResponse<Object> response, String error) {
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_BAD_REQUEST);
		assertThat(response.getBody()).isInstanceOfSatisfying(Failure.class, (failure) -> {
			assertThat(failure.error()).contains(error);
			assertThat(failure.answeredBy()).isEqualTo(STANDALONE);
		});
		assertThat(this.delivered).isEmpty();
	}

	private static StubClusterOperations worker() {
		return StubClusterOperations.returning(Snapshots.cluster(WorkerState.READY));
	}

	/** A payload type of this test: an application class. */
	public record Note(String text) {
	}

	/** Answers every broadcast the same way and records what it was asked to publish. */
	private static final class FixedMessenger implements ClusterMessenger {

		private final Supplier<BroadcastResult> result;

		private final List<String> published = new ArrayList<>();

		FixedMessenger(Supplier<BroadcastResult> result) {
			this.result = result;
		}

		@Override
		public Duration timeout() {
			return Duration.ofSeconds(1);
		}

		@Override
		public BroadcastResult publish(String topic, Object payload, boolean retained) {
			throw new AssertionError("not expected");
		}

		@Override
		public BroadcastResult publishJson(String topic, String json, @Nullable String type, boolean retained) {
			this.published.add(topic + "|" + json + "|" + type + "|" + retained);
			return this.result.get();
		}

		@Override
		public boolean send(int workerId, Object payload) {
			throw new AssertionError("not expected");
		}

		@Override
		public <R> R request(Object payload, Class<R> replyType) {
			throw new AssertionError("not expected");
		}

	}

}
