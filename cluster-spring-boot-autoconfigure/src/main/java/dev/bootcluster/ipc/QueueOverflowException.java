package dev.bootcluster.ipc;

import java.io.IOException;

/**
 * A send found the connection's outbound queue full: the peer stopped reading (a stopped
 * or wedged process), so the channel was closed instead of holding ever more frames for
 * it, or blocking the sender.
 */
public class QueueOverflowException extends IOException {

	private final long queued;

	private final long limit;

	public QueueOverflowException(String peer, long queued, long limit) {
		super(peer + " stopped reading: " + queued + " bytes queued, limit " + limit + "; disconnecting");
		this.queued = queued;
		this.limit = limit;
	}

	/** Bytes the queue would have held with the refused frame. */
	public long getQueued() {
		return this.queued;
	}

	/** The most bytes the queue may hold. */
	public long getLimit() {
		return this.limit;
	}

}
