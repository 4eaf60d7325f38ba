package dev.bootcluster;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * What the web and actuator layers may ask of the cluster, whatever the role of this
 * process.
 */
public interface ClusterOperations {

	/** The master's current view of the cluster. */
	ClusterSnapshot status();

	/**
	 * The last status this process received, without asking the master again (for metrics
	 * and health). Null before the first one arrived.
	 */
	default @Nullable ClusterSnapshot lastKnownStatus() {
		return status();
	}

	/**
	 * How long ago {@link #lastKnownStatus()} arrived: a worker's is the status the
	 * master pushed after its last heartbeat. Null before the first one arrived. Zero
	 * where the status is made on the spot (this default, with {@code lastKnownStatus()}
	 * asking {@link #status()}).
	 */
	default @Nullable Duration lastKnownStatusAge() {
		return Duration.ZERO;
	}

	/**
	 * Asks the master for a rolling restart.
	 * @param trigger who asks, for the status
	 * @return whether a new restart started, and the operation (new, or the one already
	 * running)
	 * @throws UnsupportedOperationException where there are no workers to restart
	 */
	RestartOutcome restart(String trigger);

	/**
	 * Asks the master to run {@code workers} workers: it starts new ones or drains the
	 * surplus.
	 * @param workers the new count, 1 to 256
	 * @param trigger who asks, for the log
	 * @return the count before and the one now
	 * @throws IllegalArgumentException for a count out of range
	 * @throws IllegalStateException when the master refuses now (a rolling restart runs)
	 * @throws UnsupportedOperationException where there are no workers to scale
	 */
	default ScaleOutcome scale(int workers, String trigger) {
		throw new UnsupportedOperationException("This " + role() + " process has no workers to scale");
	}

	/** Role of this process. */
	ClusterRole role();

	/** Worker id of this process (0 for a master or a standalone process). */
	int workerId();

	/**
	 * The answer to a restart request.
	 *
	 * @param started whether this request started a new rolling restart
	 * @param operation the new operation, or the one already running
	 */
	record RestartOutcome(boolean started, RestartOperation operation) {
	}

	/**
	 * The answer to a scale request.
	 *
	 * @param previous the count of workers before
	 * @param desired the count now
	 */
	record ScaleOutcome(int previous, int desired) {
	}

}
