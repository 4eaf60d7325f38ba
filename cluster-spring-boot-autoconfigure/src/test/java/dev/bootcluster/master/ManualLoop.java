package dev.bootcluster.master;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * A {@link SupervisorLoop} the test drives: the test's thread is the loop's, tasks run
 * when the test calls {@link #runPending}, and timers when it moves the
 * {@link MutableClock} with {@link #advance}. A task that fails (an illegal state
 * transition is an AssertionError) fails the test.
 */
final class ManualLoop implements SupervisorLoop {

	private final MutableClock clock;

	private final Thread owner = Thread.currentThread();

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	private final PriorityQueue<Scheduled> timers = new PriorityQueue<>(
			Comparator.comparing(Scheduled::due).thenComparingLong(Scheduled::sequence));

	private long sequence;

	private volatile boolean shutdown;

	ManualLoop(MutableClock clock) {
		this.clock = clock;
	}

	@Override
	public Clock clock() {
		return this.clock;
	}

	@Override
	public void execute(Runnable task) {
		if (!this.shutdown) {
			this.tasks.add(task);
		}
	}

	@Override
	public synchronized Timer schedule(Duration delay, Runnable task) {
		Scheduled scheduled = new Scheduled(this.clock.instant().plus(delay), this.sequence++, task, new boolean[1]);
		this.timers.add(scheduled);
		return () -> scheduled.cancelled()[0] = true;
	}

	@Override
	public boolean inLoop() {
		return Thread.currentThread() == this.owner;
	}

	@Override
	public <T> T call(Supplier<T> task, Duration timeout) {
		if (!inLoop()) {
			throw new IllegalStateException("Only the test's thread runs this loop");
		}
		return task.get();
	}

	@Override
	public void shutdown() {
		this.shutdown = true;
	}

	/** Runs the tasks submitted so far, and those they submit. */
	void runPending() {
		if (!inLoop()) {
			throw new IllegalStateException("Only the test's thread runs this loop");
		}
		Runnable task;
		while (!this.shutdown && (task = this.tasks.poll()) != null) {
			task.run();
		}
	}

	/** Moves the clock on by {@code duration}, running each timer at its time. */
	void advance(Duration duration) {
		Instant target = this.clock.instant().plus(duration);
		while (true) {
			runPending();
			Scheduled next;
			synchronized (this) {
				next = this.timers.peek();
				if (next == null || next.due().isAfter(target)) {
					break;
				}
				this.timers.poll();
			}
			if (next.due().isAfter(this.clock.instant())) {
				this.clock.set(next.due());
			}
			if (!next.cancelled()[0] && !this.shutdown) {
				next.task().run();
			}
		}
		this.clock.set(target);
		runPending();
	}

	/** Timers not cancelled and not run yet. */
	synchronized long pendingTimers() {
		return this.timers.stream().filter((timer) -> !timer.cancelled()[0]).count();
	}

	private record Scheduled(Instant due, long sequence, Runnable task, boolean[] cancelled) {
	}

}
