package dev.bootcluster.context;

/**
 * The port the workers are to share is held by another program, or by a cluster left
 * running.
 */
public class ClusterPortInUseException extends RuntimeException {

	private final String property;

	private final int port;

	public ClusterPortInUseException(String property, int port, Throwable cause) {
		super("Port " + port + " (" + property + ") is already in use", cause);
		this.property = property;
		this.port = port;
	}

	public String getProperty() {
		return this.property;
	}

	public int getPort() {
		return this.port;
	}

}
