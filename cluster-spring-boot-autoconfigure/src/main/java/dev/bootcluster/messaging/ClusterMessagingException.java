package dev.bootcluster.messaging;

/**
 * A message could not be sent or answered.
 */
public class ClusterMessagingException extends RuntimeException {

	public ClusterMessagingException(String message) {
		super(message);
	}

	public ClusterMessagingException(String message, Throwable cause) {
		super(message, cause);
	}

}
