package dev.bootcluster.messaging;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.bootcluster.ipc.Message;

/**
 * One process that is the master and the only worker: every broadcast, and a send to worker 1, is
 * delivered here, on the calling thread, through the same JSON round trip and size check as in a
 * cluster; requests are answered by this process's request listeners.
 */
public final class StandaloneClusterMessenger extends AbstractClusterMessenger {

	private final MessageDispatcher dispatcher;

	public StandaloneClusterMessenger(PayloadCodec codec, MessageDispatcher dispatcher, Duration timeout) {
		super(codec, timeout);
		this.dispatcher = dispatcher;
	}

	@Override
	protected BroadcastResult deliver(int target, String topic, @Nullable String type, JsonNode payload,
			boolean retained) {
		if (target != ALL_WORKERS && target != 1) {
			return new BroadcastResult(0, 0);
		}
		this.dispatcher.deliver(0, topic, type, payload, retained);
		return new BroadcastResult(1, 1);
	}

	@Override
	protected Message.Answer ask(String type, JsonNode payload) {
		return this.dispatcher.answerOwnRequest(0, type, payload);
	}

}
