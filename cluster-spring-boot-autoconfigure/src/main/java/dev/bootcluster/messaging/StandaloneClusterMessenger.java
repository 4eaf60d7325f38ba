package dev.bootcluster.messaging;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.bootcluster.ipc.Message;

/**
 * One process that is the master and the only worker: every broadcast, and a send to
 * worker 1, is delivered here, on the calling thread, through the same JSON round trip
 * and size check as in a cluster; requests are answered by this process's request
 * listeners.
 */
public final class StandaloneClusterMessenger extends AbstractClusterMessenger {

	private static final Log logger = LogFactory.getLog(StandaloneClusterMessenger.class);

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
		try {
			this.dispatcher.deliver(0, topic, type, payload, retained);
		}
		catch (RuntimeException ex) {
			// as in a worker: the delivery happened; a failing listener is the receiver's
			// problem
			logger.error("A listener of cluster topic '" + topic + "' failed", ex);
		}
		return new BroadcastResult(1, 1);
	}

	@Override
	protected Message.Answer ask(String type, JsonNode payload) {
		return this.dispatcher.answerOwnRequest(0, type, payload);
	}

}
