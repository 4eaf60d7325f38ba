package dev.bootcluster.ipc;

/**
 * A received frame is not a valid message: bad length, not JSON, unknown type or missing
 * fields. The receiver closes that peer's connection.
 */
public class MalformedFrameException extends IpcException {

	public MalformedFrameException(String message) {
		super(message);
	}

	public MalformedFrameException(String message, Throwable cause) {
		super(message, cause);
	}

}
