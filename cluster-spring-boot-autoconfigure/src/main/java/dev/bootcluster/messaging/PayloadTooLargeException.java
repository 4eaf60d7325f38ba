package dev.bootcluster.messaging;

/**
 * A payload is over {@code cluster.ipc.max-message-size}; nothing was sent.
 */
public class PayloadTooLargeException extends ClusterMessagingException {

	private final int size;

	private final int limit;

	public PayloadTooLargeException(String topic, int size, int limit) {
		super("Message for topic '" + topic + "' is " + size + " bytes of JSON, over cluster.ipc.max-message-size ("
				+ limit + " bytes); nothing was sent");
		this.size = size;
		this.limit = limit;
	}

	public int size() {
		return this.size;
	}

	public int limit() {
		return this.limit;
	}

}
