package dev.bootcluster.ipc;

/**
 * A message could not be sent or a received frame broke the protocol.
 */
public class IpcException extends RuntimeException {

	public IpcException(String message) {
		super(message);
	}

	public IpcException(String message, Throwable cause) {
		super(message, cause);
	}

}
