package dev.bootcluster.ipc;

/**
 * An encoded message is larger than {@code cluster.ipc.max-message-size}. Thrown to the
 * sender before anything is written, so nothing partial is delivered.
 */
public class MessageTooLargeException extends IpcException {

	private final long size;

	private final int limit;

	public MessageTooLargeException(long size, int limit) {
		super("Message of " + size + " bytes exceeds cluster.ipc.max-message-size of " + limit + " bytes");
		this.size = size;
		this.limit = limit;
	}

	public long getSize() {
		return this.size;
	}

	public int getLimit() {
		return this.limit;
	}

}
