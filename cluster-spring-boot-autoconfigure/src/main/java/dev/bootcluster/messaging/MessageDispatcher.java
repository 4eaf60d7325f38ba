package dev.bootcluster.messaging;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ApplicationEventPublisher;

import dev.bootcluster.ipc.Message;

/**
 * Hands what arrives to the application as Spring events: a payload of a known type as
 * itself, any other as a {@link ClusterMessageEvent}; a request as a
 * {@link ClusterRequest}.
 */
public final class MessageDispatcher {

	private final PayloadCodec codec;

	private final ApplicationEventPublisher publisher;

	public MessageDispatcher(PayloadCodec codec, ApplicationEventPublisher publisher) {
		this.codec = codec;
		this.publisher = publisher;
	}

	/**
	 * Publishes a delivered payload to this process's listeners, on the calling thread.
	 */
	public void deliver(int sender, String topic, @Nullable String type, JsonNode payload, boolean retained) {
		Object value = this.codec.read(type, payload, topic);
		this.publisher.publishEvent((value != null) ? value
				: new ClusterMessageEvent(this, sender, topic, type, payload.toString(), retained));
	}

	/** Publishes a request to this process's listeners and returns their answer. */
	public Message.Answer answer(int sender, String type, JsonNode payload) {
		Object request = this.codec.read(type, payload, "request");
		if (request == null) {
			return failure("The master cannot read a request of type " + type + " (no such class there, "
					+ "or it does not bind)");
		}
		ClusterRequest<Object> event = new ClusterRequest<>(this, sender, request);
		this.publisher.publishEvent(event);
		Object reply = event.getReply();
		if (reply == null) {
			return failure("No @EventListener for ClusterRequest<" + request.getClass().getSimpleName()
					+ "> in the master replied");
		}
		return new Message.Answer(0, PayloadCodec.typeName(reply), this.codec.toTree(reply), null);
	}

	/**
	 * Answers a request of this process's own, as {@link #answer} does, for the messenger
	 * that asks: a failing listener is a {@link ClusterMessagingException} (with its
	 * cause), as a worker asking over IPC gets.
	 */
	Message.Answer answerOwnRequest(int sender, String type, JsonNode payload) {
		try {
			return answer(sender, type, payload);
		}
		catch (ClusterMessagingException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new ClusterMessagingException("The master's request listener failed: " + ex, ex);
		}
	}

	private static Message.Answer failure(String error) {
		return new Message.Answer(0, null, null, error);
	}

}
