package dev.bootcluster.ipc;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;

/**
 * Every message that crosses the IPC socket. The JSON carries the record's simple type
 * name in {@code type}; an unknown name is a protocol error, never a class lookup.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({ @JsonSubTypes.Type(value = Message.Hello.class, name = "hello"),
		@JsonSubTypes.Type(value = Message.Ready.class, name = "ready"),
		@JsonSubTypes.Type(value = Message.Heartbeat.class, name = "heartbeat"),
		@JsonSubTypes.Type(value = Message.Pulse.class, name = "pulse"),
		@JsonSubTypes.Type(value = Message.Liveness.class, name = "liveness"),
		@JsonSubTypes.Type(value = Message.StatusRequest.class, name = "status-request"),
		@JsonSubTypes.Type(value = Message.StatusReply.class, name = "status-reply"),
		@JsonSubTypes.Type(value = Message.RestartRequest.class, name = "restart-request"),
		@JsonSubTypes.Type(value = Message.RestartReply.class, name = "restart-reply"),
		@JsonSubTypes.Type(value = Message.Drain.class, name = "drain"),
		@JsonSubTypes.Type(value = Message.Publish.class, name = "publish"),
		@JsonSubTypes.Type(value = Message.PublishReply.class, name = "publish-reply"),
		@JsonSubTypes.Type(value = Message.Deliver.class, name = "deliver"),
		@JsonSubTypes.Type(value = Message.Delivered.class, name = "delivered"),
		@JsonSubTypes.Type(value = Message.Welcome.class, name = "welcome"),
		@JsonSubTypes.Type(value = Message.Ask.class, name = "ask"),
		@JsonSubTypes.Type(value = Message.Answer.class, name = "answer"),
		@JsonSubTypes.Type(value = Message.StoreRequest.class, name = "store-request"),
		@JsonSubTypes.Type(value = Message.StoreReply.class, name = "store-reply"),
		@JsonSubTypes.Type(value = Message.StoreWatch.class, name = "store-watch"),
		@JsonSubTypes.Type(value = Message.StoreExpired.class, name = "store-expired"),
		@JsonSubTypes.Type(value = Message.CacheInvalidate.class, name = "cache-invalidate"),
		@JsonSubTypes.Type(value = Message.CacheInvalidateReply.class, name = "cache-invalidate-reply"),
		@JsonSubTypes.Type(value = Message.CacheInvalidation.class, name = "cache-invalidation"),
		@JsonSubTypes.Type(value = Message.CacheInvalidated.class, name = "cache-invalidated"),
		@JsonSubTypes.Type(value = Message.Schedules.class, name = "schedules"),
		@JsonSubTypes.Type(value = Message.Features.class, name = "features"),
		@JsonSubTypes.Type(value = Message.Collect.class, name = "collect"),
		@JsonSubTypes.Type(value = Message.Query.class, name = "query"),
		@JsonSubTypes.Type(value = Message.QueryResult.class, name = "query-result"),
		@JsonSubTypes.Type(value = Message.Collected.class, name = "collected"),
		@JsonSubTypes.Type(value = Message.ScaleRequest.class, name = "scale-request"),
		@JsonSubTypes.Type(value = Message.ScaleReply.class, name = "scale-reply") })
public sealed interface Message {

	/**
	 * First frame a worker sends: who it is, and the single-use token the master gave
	 * this process.
	 */
	record Hello(int workerId, long pid, String token) implements Message {

		public Hello {
			Objects.requireNonNull(token, "token");
		}

		@Override
		public String toString() {
			return "Hello[workerId=" + this.workerId + ", pid=" + this.pid + ", token=<hidden>]";
		}

	}

	/** The worker's application reported ACCEPTING_TRAFFIC with its listener bound. */
	record Ready(int workerId) implements Message {
	}

	/**
	 * Periodic proof that the worker can still serve (sent once a probe task ran on its
	 * web server's request executor), with a small metrics sample.
	 */
	record Heartbeat(int workerId, long heapUsedBytes) implements Message {
	}

	/**
	 * A heartbeat with the figures recycling and the status use, sent in place of
	 * {@link Heartbeat} to a master of protocol 4 or later.
	 *
	 * @param workerId the sender's slot
	 * @param heapUsedBytes heap in use now
	 * @param requests HTTP requests the worker has served since it started
	 * @param heapAfterGcBytes heap in use after its last collection, or -1 before the
	 * first
	 * @param heapMaxBytes its maximum heap, or -1 when it has none
	 */
	record Pulse(int workerId, long heapUsedBytes, long requests, long heapAfterGcBytes,
			long heapMaxBytes) implements Message {
	}

	/**
	 * The application's liveness changed: {@code broken} when it published
	 * {@code LivenessState.BROKEN} (the master then replaces the worker).
	 */
	record Liveness(boolean broken) implements Message {
	}

	/** A worker asks the master for the cluster status. */
	record StatusRequest(long requestId) implements Message {
	}

	/**
	 * The master's status, as the answer to a {@link StatusRequest} (requestId > 0) or
	 * pushed after a heartbeat (requestId 0).
	 */
	record StatusReply(long requestId, ClusterSnapshot snapshot) implements Message {

		public StatusReply {
			Objects.requireNonNull(snapshot, "snapshot");
		}

	}

	/**
	 * A worker relays a rolling-restart request (from the actuator endpoint) to the
	 * master.
	 */
	record RestartRequest(long requestId, String trigger) implements Message {

		public RestartRequest {
			Objects.requireNonNull(trigger, "trigger");
		}

	}

	/**
	 * The master's answer to a {@link RestartRequest}: whether a new rolling restart
	 * started, and the operation (the new one, or the one already running).
	 */
	record RestartReply(long requestId, boolean started, RestartOperation operation) implements Message {

		public RestartReply {
			Objects.requireNonNull(operation, "operation");
		}

	}

	/**
	 * The master tells a worker to drain: refuse traffic, close its listeners, finish
	 * what it holds (waiting for {@code quietPeriodMillis} without requests), give
	 * keep-alive clients up to {@code keepAliveMillis} to close their connections, then
	 * exit.
	 */
	record Drain(long quietPeriodMillis, long keepAliveMillis, long timeoutMillis) implements Message {
	}

	/**
	 * A worker asks the master to deliver a payload: to every worker ({@code target} 0, a
	 * broadcast) or to one worker ({@code target} its id). {@code payloadType} names the
	 * payload's class (null for untyped JSON; not {@code type}, which names the message
	 * itself); a retained broadcast is kept by the master as the latest of its topic and
	 * replayed to every worker that starts later.
	 */
	record Publish(long requestId, int target, String topic, @Nullable String payloadType, JsonNode payload,
			boolean retained) implements Message {

		public Publish {
			Objects.requireNonNull(topic, "topic");
			Objects.requireNonNull(payload, "payload");
		}

	}

	/**
	 * The master's answer to a {@link Publish}: how many of the targeted workers
	 * acknowledged the delivery, or why nothing was delivered.
	 */
	record PublishReply(long requestId, int acknowledged, int targets, @Nullable String error) implements Message {
	}

	/**
	 * The master delivers a payload to a worker; {@code sender} is the worker id of the
	 * process that sent it (0 for the master). The worker answers with {@link Delivered}
	 * as soon as it has read it, before its listeners run (so listeners that broadcast
	 * never wait for each other).
	 */
	record Deliver(long deliveryId, int sender, String topic, @Nullable String payloadType, JsonNode payload,
			boolean retained) implements Message {

		public Deliver {
			Objects.requireNonNull(topic, "topic");
			Objects.requireNonNull(payload, "payload");
		}

	}

	/**
	 * A worker acknowledges that it received a {@link Deliver} (queued for its
	 * listeners).
	 */
	record Delivered(long deliveryId) implements Message {
	}

	/**
	 * Sent by the master right after it accepted a worker's hello and replayed the
	 * retained values (as {@link Deliver} frames before this one).
	 */
	record Welcome(int retained) implements Message {
	}

	/**
	 * A worker asks the master a question, answered by the master's request listeners.
	 */
	record Ask(long requestId, String payloadType, JsonNode payload) implements Message {

		public Ask {
			Objects.requireNonNull(payloadType, "payloadType");
			Objects.requireNonNull(payload, "payload");
		}

	}

	/** The master's answer to an {@link Ask}: a payload, or an error. */
	record Answer(long requestId, @Nullable String payloadType, @Nullable JsonNode payload,
			@Nullable String error) implements Message {
	}

	/** What a {@link StoreRequest} does. */
	enum StoreOp {

		/** The value of {@code key}, if any. */
		GET,

		/** Sets {@code value} with {@code ttlMillis} (0: none). */
		PUT,

		/** Removes {@code key}; success says whether it was there. */
		DELETE,

		/**
		 * Sets {@code value} if the current value is {@code expected} (null: absent).
		 */
		COMPARE_AND_SET,

		/** Gives {@code key} a TTL of {@code ttlMillis} from now. */
		TOUCH,

		/**
		 * Sets {@code value} held by the sender until its process is gone, if absent or
		 * already held by it with that value.
		 */
		HOLD,

		/** Removes {@code key} if its value is {@code expected}. */
		RELEASE,

		/** Removes every key starting with {@code key}. */
		DELETE_PREFIX

	}

	/**
	 * A worker's operation on the master's store. Values are opaque bytes (as they are in
	 * the compact form of {@link StoreFrames}, base64 in JSON) that the master stores and
	 * returns without interpreting them.
	 */
	record StoreRequest(long requestId, StoreOp op, String key, byte @Nullable [] value, byte @Nullable [] expected,
			long ttlMillis) implements Message {

		public StoreRequest {
			Objects.requireNonNull(op, "op");
			Objects.requireNonNull(key, "key");
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof StoreRequest that && this.requestId == that.requestId && this.op == that.op
					&& this.key.equals(that.key) && Arrays.equals(this.value, that.value)
					&& Arrays.equals(this.expected, that.expected) && this.ttlMillis == that.ttlMillis;
		}

		@Override
		public int hashCode() {
			return Objects.hash(this.requestId, this.op, this.key, Arrays.hashCode(this.value),
					Arrays.hashCode(this.expected), this.ttlMillis);
		}

		@Override
		public String toString() {
			return "StoreRequest[requestId=" + this.requestId + ", op=" + this.op + ", key=" + this.key + ", value="
					+ ((this.value != null) ? this.value.length + " bytes" : "null") + ", ttlMillis=" + this.ttlMillis
					+ "]";
		}

	}

	/** Why the master refused a {@link StoreRequest}. */
	enum StoreFailure {

		/** The entry does not fit in {@code cluster.store.max-size}. */
		FULL,

		/** A bad key, TTL or missing value. */
		INVALID

	}

	/**
	 * The master's answer to a {@link StoreRequest}: whether it took effect, the value
	 * for a GET, or why it was refused ({@code failure} and a message).
	 */
	record StoreReply(long requestId, boolean success, byte @Nullable [] value, @Nullable StoreFailure failure,
			@Nullable String error) implements Message {

		@Override
		public boolean equals(Object other) {
			return other instanceof StoreReply that && this.requestId == that.requestId && this.success == that.success
					&& Arrays.equals(this.value, that.value) && this.failure == that.failure
					&& Objects.equals(this.error, that.error);
		}

		@Override
		public int hashCode() {
			return Objects.hash(this.requestId, this.success, Arrays.hashCode(this.value), this.failure, this.error);
		}

		@Override
		public String toString() {
			return "StoreReply[requestId=" + this.requestId + ", success=" + this.success + ", value="
					+ ((this.value != null) ? this.value.length + " bytes" : "null") + ", failure=" + this.failure
					+ "]";
		}

	}

	/**
	 * Where a worker's scheduled methods run, sent once it started: {@code leaseHolder}
	 * on the worker that holds the scheduling lease only (empty with
	 * {@code cluster.scheduling=every-worker}), {@code everyWorker} in every worker. The
	 * master logs it.
	 */
	record Schedules(String mode, List<String> leaseHolder, List<String> everyWorker) implements Message {

		public Schedules {
			Objects.requireNonNull(mode, "mode");
			leaseHolder = List.copyOf(leaseHolder);
			everyWorker = List.copyOf(everyWorker);
		}

	}

	/**
	 * A worker asks to be told of entries under {@code prefix} that expire; the master
	 * tells one watching worker of each.
	 */
	record StoreWatch(String prefix) implements Message {

		public StoreWatch {
			Objects.requireNonNull(prefix, "prefix");
		}

	}

	/** An entry under a watched prefix expired; its last value, as stored. */
	record StoreExpired(String key, byte[] value) implements Message {

		public StoreExpired {
			Objects.requireNonNull(key, "key");
			Objects.requireNonNull(value, "value");
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof StoreExpired that && this.key.equals(that.key)
					&& Arrays.equals(this.value, that.value);
		}

		@Override
		public int hashCode() {
			return 31 * this.key.hashCode() + Arrays.hashCode(this.value);
		}

		@Override
		public String toString() {
			return "StoreExpired[key=" + this.key + ", value=" + this.value.length + " bytes]";
		}

	}

	/**
	 * A worker asks the master to have every other worker drop an entry of one of its
	 * caches ({@code key} null: all of them). The key is the worker's encoding of the
	 * cache key, which the master relays without interpreting it.
	 */
	record CacheInvalidate(long requestId, String cache, @Nullable String key) implements Message {

		public CacheInvalidate {
			Objects.requireNonNull(cache, "cache");
		}

	}

	/**
	 * The master's answer to a {@link CacheInvalidate}: how many of the awaited workers
	 * (READY or STARTING, the sender excepted) confirmed they dropped the entry before
	 * the request timeout.
	 */
	record CacheInvalidateReply(long requestId, int acknowledged, int targets) implements Message {
	}

	/**
	 * The master relays a {@link CacheInvalidate} to a worker, which drops the entry from
	 * its local cache, then answers {@link CacheInvalidated}.
	 */
	record CacheInvalidation(long invalidationId, String cache, @Nullable String key) implements Message {

		public CacheInvalidation {
			Objects.requireNonNull(cache, "cache");
		}

	}

	/**
	 * A worker confirms that it dropped the entry of a {@link CacheInvalidation} (sent
	 * only once it has).
	 */
	record CacheInvalidated(long invalidationId) implements Message {
	}

	/**
	 * Sent by a worker right after its hello, only to a master whose protocol (in the
	 * worker's environment) has it: the worker's own protocol version, so that the master
	 * sends it nothing it would not understand (a worker of an earlier version, left
	 * running by a rolling deploy, never sends this and is never sent a {@link Query}).
	 */
	record Features(int protocol) implements Message {
	}

	/**
	 * A worker asks the master to put a query to workers and answer with what they
	 * returned: to every READY worker ({@code target} 0, the asking one included) or to
	 * one ({@code target} its slot), waiting at most {@code timeoutMillis} (bounded by
	 * the master) for their results.
	 */
	record Collect(long requestId, int target, String query, JsonNode args, long timeoutMillis) implements Message {

		public Collect {
			Objects.requireNonNull(query, "query");
			Objects.requireNonNull(args, "args");
		}

	}

	/**
	 * The master puts a worker's {@link Collect} to a worker, which answers with a
	 * {@link QueryResult}.
	 */
	record Query(long queryId, String query, JsonNode args) implements Message {

		public Query {
			Objects.requireNonNull(query, "query");
			Objects.requireNonNull(args, "args");
		}

	}

	/**
	 * A worker's answer to a {@link Query}: a result (JSON null is none), or why there is
	 * none.
	 */
	record QueryResult(long queryId, @Nullable JsonNode result, @Nullable String error) implements Message {

		public QueryResult {
			result = absentIfNull(result);
		}

	}

	/**
	 * The master's answer to a {@link Collect}: a part for each worker that answered, the
	 * slots of those that were asked (or should have been) and did not answer in time, or
	 * why nothing was collected ({@code error}).
	 */
	record Collected(long requestId, List<Part> parts, List<Integer> missing,
			@Nullable String error) implements Message {

		public Collected {
			parts = List.copyOf(parts);
			missing = List.copyOf(missing);
		}

	}

	/** One worker's answer in a {@link Collected} (JSON null is none). */
	record Part(int workerId, long pid, @Nullable JsonNode result, @Nullable String error) {

		public Part {
			result = absentIfNull(result);
		}

	}

	/** A JSON null (as a JSON field decodes) is no value, as it was sent. */
	private static @Nullable JsonNode absentIfNull(@Nullable JsonNode node) {
		return (node == null || node.isNull()) ? null : node;
	}

	/**
	 * A worker relays a request to run {@code workers} workers (from the actuator
	 * endpoint) to the master (protocol 3).
	 */
	record ScaleRequest(long requestId, int workers, String trigger) implements Message {

		public ScaleRequest {
			Objects.requireNonNull(trigger, "trigger");
		}

	}

	/**
	 * The master's answer to a {@link ScaleRequest}: the count before and the one now, or
	 * why it refused ({@code invalid}: the count was out of range; else a conflict, such
	 * as a rolling restart running).
	 */
	record ScaleReply(long requestId, int previous, int desired, @Nullable String refused,
			boolean invalid) implements Message {
	}

}
