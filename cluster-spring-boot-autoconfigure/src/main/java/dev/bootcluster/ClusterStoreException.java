package dev.bootcluster;

/**
 * An operation of the {@link ClusterStore} failed: the master could not be reached or did
 * not answer in time, or it refused the operation.
 */
public class ClusterStoreException extends RuntimeException {

	public ClusterStoreException(String message) {
		super(message);
	}

	public ClusterStoreException(String message, Throwable cause) {
		super(message, cause);
	}

}
