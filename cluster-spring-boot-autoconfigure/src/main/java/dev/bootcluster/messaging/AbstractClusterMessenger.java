package dev.bootcluster.messaging;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.bootcluster.ipc.Message;

/**
 * What every role's messenger shares: payloads become JSON trees, are checked against the
 * size limit before anything is sent, and answers are read back as the caller's type.
 */
abstract class AbstractClusterMessenger implements ClusterMessenger {

	/** Target of a broadcast: every worker. */
	static final int ALL_WORKERS = 0;

	protected final PayloadCodec codec;

	private final Duration timeout;

	AbstractClusterMessenger(PayloadCodec codec, Duration timeout) {
		this.codec = codec;
		this.timeout = timeout;
	}

	@Override
	public Duration timeout() {
		return this.timeout;
	}

	@Override
	public BroadcastResult publish(String topic, Object payload, boolean retained) {
		Objects.requireNonNull(topic, "topic");
		Objects.requireNonNull(payload, "payload");
		return checkedDeliver(ALL_WORKERS, topic, PayloadCodec.typeName(payload), this.codec.toTree(payload), retained);
	}

	@Override
	public BroadcastResult publishJson(String topic, String json, @Nullable String type, boolean retained) {
		Objects.requireNonNull(topic, "topic");
		return checkedDeliver(ALL_WORKERS, topic, type, this.codec.parse(json), retained);
	}

	@Override
	public boolean send(int workerId, Object payload) {
		if (workerId < 1) {
			throw new IllegalArgumentException("Worker ids start at 1, was " + workerId);
		}
		Objects.requireNonNull(payload, "payload");
		String type = PayloadCodec.typeName(payload);
		return checkedDeliver(workerId, type, type, this.codec.toTree(payload), false).acknowledged() > 0;
	}

	@Override
	public <R> R request(Object payload, Class<R> replyType) {
		Objects.requireNonNull(payload, "payload");
		String type = PayloadCodec.typeName(payload);
		JsonNode tree = this.codec.toTree(payload);
		this.codec.checkSize("request", type, tree, false);
		Message.Answer answer = ask(type, tree);
		if (answer.error() != null) {
			throw new ClusterMessagingException(answer.error());
		}
		JsonNode reply = answer.payload();
		if (reply == null) {
			throw new ClusterMessagingException("The master's answer carried no payload");
		}
		return this.codec.convert(reply, replyType);
	}

	private BroadcastResult checkedDeliver(int target, String topic, @Nullable String type, JsonNode payload,
			boolean retained) {
		this.codec.checkSize(topic, type, payload, retained);
		return deliver(target, topic, type, payload, retained);
	}

	/** Delivers a payload that fits in a frame. */
	protected abstract BroadcastResult deliver(int target, String topic, @Nullable String type, JsonNode payload,
			boolean retained);

	/** Asks the master. */
	protected abstract Message.Answer ask(String type, JsonNode payload);

}
