package dev.bootcluster.master;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The one thread that owns the supervisor's state: process exits, IPC messages, timers
 * and operator commands reach it as tasks, run one at a time in the order they were
 * submitted. Nothing run on it blocks on I/O or on a process start.
 */
interface SupervisorLoop {

	/** The time the loop's timers and the supervisor's state go by. */
	Clock clock();

	/** Runs {@code task} on the loop, after the tasks submitted before it. */
	void execute(Runnable task);

	/** Runs {@code task} on the loop after {@code delay}, unless cancelled first. */
	Timer schedule(Duration delay, Runnable task);

	/** Whether the calling thread is the loop's. */
	boolean inLoop();

	/**
	 * Runs {@code task} on the loop and waits for its result (at once when called on the
	 * loop).
	 * @throws IllegalStateException if the loop is shut down or does not answer within
	 * {@code timeout}
	 */
	<T> T call(Supplier<T> task, Duration timeout);

	/** Stops running tasks; those still queued are dropped. */
	void shutdown();

	/** A scheduled task. */
	interface Timer {

		/** Cancels it, if it has not run yet. */
		void cancel();

	}

}
