package dev.bootcluster;

/**
 * Exit statuses a worker uses to tell the master something (JDK only, so a worker can
 * exit with one from anywhere, before or without the cluster's Spring glue).
 */
public final class WorkerExit {

	/**
	 * The application cannot run as a cluster worker (sysexits.h {@code EX_CONFIG}): a
	 * worker that exits with it before it was READY is not restarted, since every restart
	 * would fail the same way; the master reports its last lines and stops the cluster
	 * instead of crash-looping. A replacement started by a rolling restart that exits
	 * with it is rolled back like any other failed replacement, and the old workers keep
	 * serving.
	 */
	public static final int MISCONFIGURED = 78;

	private WorkerExit() {
	}

}
