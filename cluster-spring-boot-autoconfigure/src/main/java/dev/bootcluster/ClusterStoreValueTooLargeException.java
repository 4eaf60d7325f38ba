package dev.bootcluster;

/**
 * A value for the {@link ClusterStore} is larger than one IPC message can carry
 * ({@code cluster.ipc.max-message-size}, with its key); nothing was sent.
 */
public class ClusterStoreValueTooLargeException extends ClusterStoreException {

	public ClusterStoreValueTooLargeException(String message) {
		super(message);
	}

}
