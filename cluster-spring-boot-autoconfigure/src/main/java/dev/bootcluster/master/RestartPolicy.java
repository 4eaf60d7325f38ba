package dev.bootcluster.master;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Decides what happens after a worker crashes: restart after an exponential backoff, or
 * give the slot up once it crashed {@code maxCrashes} times within {@code window} (the
 * crash-loop breaker). Pure: time comes from the injected {@link Clock}.
 */
public final class RestartPolicy {

	private final Duration initialBackoff;

	private final Duration maxBackoff;

	private final int maxCrashes;

	private final Duration window;

	private final Clock clock;

	public RestartPolicy(Duration initialBackoff, Duration maxBackoff, int maxCrashes, Duration window, Clock clock) {
		if (initialBackoff.isNegative() || initialBackoff.isZero()) {
			throw new IllegalArgumentException("initialBackoff must be positive");
		}
		if (maxBackoff.compareTo(initialBackoff) < 0) {
			throw new IllegalArgumentException("maxBackoff must not be less than initialBackoff");
		}
		if (maxCrashes < 1) {
			throw new IllegalArgumentException("maxCrashes must be at least 1");
		}
		if (window.isNegative() || window.isZero()) {
			throw new IllegalArgumentException("window must be positive");
		}
		this.initialBackoff = initialBackoff;
		this.maxBackoff = maxBackoff;
		this.maxCrashes = maxCrashes;
		this.window = window;
		this.clock = clock;
	}

	public Clock clock() {
		return this.clock;
	}

	/** A fresh crash history for one worker slot. */
	public Tracker newTracker() {
		return new Tracker();
	}

	/** What to do after a crash. */
	public sealed interface Decision {

		/** Start a new process after {@code delay}. */
		record Restart(Duration delay, int crashesInWindow) implements Decision {
		}

		/** Stop restarting: the slot is FAILED. */
		record GiveUp(String reason) implements Decision {
		}

	}

	/** Crash history of one slot; not thread-safe (the supervisor serializes calls). */
	public final class Tracker {

		private final Deque<Instant> crashes = new ArrayDeque<>();

		private Tracker() {
		}

		public Decision recordCrash() {
			Instant now = RestartPolicy.this.clock.instant();
			Instant horizon = now.minus(RestartPolicy.this.window);
			while (!this.crashes.isEmpty() && !this.crashes.peekFirst().isAfter(horizon)) {
				this.crashes.removeFirst();
			}
			this.crashes.addLast(now);
			int recent = this.crashes.size();
			if (recent >= RestartPolicy.this.maxCrashes) {
				return new Decision.GiveUp("crashed " + recent + " times within " + format(RestartPolicy.this.window)
						+ " (cluster.worker.crash-loop.max-crashes=" + RestartPolicy.this.maxCrashes + ")");
			}
			return new Decision.Restart(backoff(recent), recent);
		}

		/** Forgets the history, as when an operator restarts a FAILED slot. */
		public void reset() {
			this.crashes.clear();
		}

		private Duration backoff(int recentCrashes) {
			Duration delay = RestartPolicy.this.initialBackoff;
			for (int i = 1; i < recentCrashes; i++) {
				delay = delay.multipliedBy(2);
				if (delay.compareTo(RestartPolicy.this.maxBackoff) >= 0) {
					return RestartPolicy.this.maxBackoff;
				}
			}
			return delay;
		}

	}

	private static String format(Duration duration) {
		return (duration.toMillis() % 1000 == 0) ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
	}

}
