package dev.bootcluster.messaging;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.MessageTooLargeException;
import dev.bootcluster.master.MessageHub;

/**
 * The master's messenger: broadcasts go straight to the hub; requests are answered by the
 * master's own listeners. It also answers the workers' requests.
 */
public final class MasterClusterMessenger extends AbstractClusterMessenger {

	private final MessageHub hub;

	private final MessageDispatcher dispatcher;

	public MasterClusterMessenger(MessageHub hub, PayloadCodec codec, MessageDispatcher dispatcher, Duration timeout) {
		super(codec, timeout);
		this.hub = hub;
		this.dispatcher = dispatcher;
		hub.requestHandler(dispatcher::answer);
	}

	@Override
	protected BroadcastResult deliver(int target, String topic, @Nullable String type, JsonNode payload,
			boolean retained) {
		try {
			MessageHub.Result result = this.hub.publish(MessageHub.MASTER, target, topic, type, payload, retained)
				.get(timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
			return new BroadcastResult(result.acknowledged(), result.targets());
		}
		catch (MessageTooLargeException ex) {
			throw new PayloadTooLargeException(topic, (int) ex.getSize(), ex.getLimit());
		}
		catch (TimeoutException | ExecutionException ex) {
			throw new ClusterMessagingException("Delivery of topic '" + topic + "' did not finish: " + ex, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new ClusterMessagingException("Interrupted while delivering topic '" + topic + "'", ex);
		}
	}

	@Override
	protected Message.Answer ask(String type, JsonNode payload) {
		return this.dispatcher.answerOwnRequest(MessageHub.MASTER, type, payload);
	}

}
