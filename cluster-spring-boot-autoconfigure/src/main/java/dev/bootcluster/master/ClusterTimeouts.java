package dev.bootcluster.master;

import java.time.Duration;
import java.util.Objects;

/**
 * Every timeout of the master and its workers, in one place. They are derived and
 * validated together (with Boot's {@code spring.lifecycle.timeout-per-shutdown-phase}) by
 * the auto-configuration ({@code ClusterTimeoutSettings}), so that none contradicts
 * another: the quiet period and the keep-alive wait fit in the drain, the heartbeat
 * timeout is at least three heartbeat intervals, and the shutdown timeout is longer than
 * the shutdown phase.
 * <p>
 * A worker asked to drain waits for its quiet period and then for keep-alive clients,
 * within {@code drain}, and exits with Boot's graceful shutdown (within
 * {@code shutdownPhase}); the master waits {@link #retire()} for it, then sends SIGTERM,
 * then after {@code shutdown} SIGKILL. A graceful cluster stop sends SIGTERM to every
 * worker and kills what is left after {@code shutdown}.
 *
 * @param ready how long a replacement may take to become READY
 * @param drain how long a draining worker may take, from the drain request until it
 * starts to exit (its quiet period and keep-alive wait included)
 * @param drainQuietPeriod how long a draining worker waits without requests before
 * exiting
 * @param keepAlive how long a draining worker waits for keep-alive clients to close
 * @param shutdown how long a worker may take to stop after SIGTERM before SIGKILL (and a
 * graceful cluster stop as a whole)
 * @param shutdownPhase Boot's {@code spring.lifecycle.timeout-per-shutdown-phase}: how
 * long a worker's graceful shutdown may take once it exits
 * @param heartbeatInterval how often a worker proves it can still serve
 * @param heartbeatTimeout how long a READY worker may go without a heartbeat before it is
 * hung
 */
public record ClusterTimeouts(Duration ready, Duration drain, Duration drainQuietPeriod, Duration keepAlive,
		Duration shutdown, Duration shutdownPhase, Duration heartbeatInterval, Duration heartbeatTimeout) {

	/** How long the master waits for a hung worker's thread dump (SIGQUIT). */
	public static final Duration THREAD_DUMP = Duration.ofSeconds(3);

	public ClusterTimeouts {
		Objects.requireNonNull(ready, "ready");
		Objects.requireNonNull(drain, "drain");
		Objects.requireNonNull(drainQuietPeriod, "drainQuietPeriod");
		Objects.requireNonNull(keepAlive, "keepAlive");
		Objects.requireNonNull(shutdown, "shutdown");
		Objects.requireNonNull(shutdownPhase, "shutdownPhase");
		Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
		Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
	}

	/**
	 * How long the master waits for a worker it asked to drain to exit before it sends
	 * SIGTERM: the drain, then Boot's graceful shutdown.
	 */
	public Duration retire() {
		return this.drain.plus(this.shutdownPhase);
	}

}
