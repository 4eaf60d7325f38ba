package dev.bootcluster.scheduling;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.Trigger;

/**
 * The scheduler of a worker's scheduled tasks: the application's scheduler, with every
 * task guarded by the scheduling lease ({@link LeaseGuardedRunnable}) unless it must run
 * in every worker. Without a lease ({@code cluster.scheduling=every-worker}) it only
 * records what it schedules.
 * <p>
 * The ticks keep their schedule in every worker; only the lease holder runs them. So a
 * worker that takes the lease over runs the next tick that is due on its own schedule,
 * with no catch-up of ticks the previous holder missed.
 */
final class LeaseTaskScheduler implements TaskScheduler {

	private final TaskScheduler delegate;

	private final @Nullable SchedulingLease lease;

	private final Predicate<Runnable> everyWorker;

	private final Set<String> leaseHolderOnly = new CopyOnWriteArraySet<>();

	private final Set<String> inEveryWorker = new CopyOnWriteArraySet<>();

	private volatile @Nullable Consumer<String> lateTasks;

	LeaseTaskScheduler(TaskScheduler delegate, @Nullable SchedulingLease lease, Predicate<Runnable> everyWorker) {
		this.delegate = delegate;
		this.lease = lease;
		this.everyWorker = everyWorker;
	}

	/** The scheduler the tasks run on. */
	TaskScheduler delegate() {
		return this.delegate;
	}

	/** Names of the tasks scheduled so far that run on the lease holder only. */
	List<String> leaseHolderOnly() {
		return List.copyOf(this.leaseHolderOnly);
	}

	/** Names of the tasks scheduled so far that run in every worker. */
	List<String> inEveryWorker() {
		return List.copyOf(this.inEveryWorker);
	}

	/**
	 * From now on, tell {@code log} of each task scheduled, with where it runs (the tasks
	 * scheduled at start are summarized once).
	 */
	void logLateTasks(Consumer<String> log) {
		this.lateTasks = log;
	}

	private Runnable guard(Runnable task) {
		String name = task.toString();
		boolean guarded = this.lease != null && !this.everyWorker.test(task);
		if ((guarded ? this.leaseHolderOnly : this.inEveryWorker).add(name)) {
			Consumer<String> log = this.lateTasks;
			if (log != null) {
				log.accept("Scheduled " + name + (guarded ? ": on the lease holder only" : ": in every worker"));
			}
		}
		return guarded ? new LeaseGuardedRunnable(task, this.lease) : task;
	}

	@Override
	public Clock getClock() {
		return this.delegate.getClock();
	}

	@Override
	public @Nullable ScheduledFuture<?> schedule(Runnable task, Trigger trigger) {
		return this.delegate.schedule(guard(task), trigger);
	}

	@Override
	public ScheduledFuture<?> schedule(Runnable task, Instant startTime) {
		return this.delegate.schedule(guard(task), startTime);
	}

	@Override
	public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Instant startTime, Duration period) {
		return this.delegate.scheduleAtFixedRate(guard(task), startTime, period);
	}

	@Override
	public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration period) {
		return this.delegate.scheduleAtFixedRate(guard(task), period);
	}

	@Override
	public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Instant startTime, Duration delay) {
		return this.delegate.scheduleWithFixedDelay(guard(task), startTime, delay);
	}

	@Override
	public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Duration delay) {
		return this.delegate.scheduleWithFixedDelay(guard(task), delay);
	}

}
