package dev.bootcluster.scheduling;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.SchedulingAwareRunnable;

/**
 * A scheduled task that runs only while this worker may run ticks
 * ({@link SchedulingLease#canRun()}); other ticks are skipped, as if the task had not
 * been due. It keeps the task's qualifier ({@code @Scheduled(scheduler = ...)}, which
 * Spring's scheduler router reads from the runnable), its long-lived hint and its name.
 */
final class LeaseGuardedRunnable implements SchedulingAwareRunnable {

	private static final Log logger = LogFactory.getLog(LeaseGuardedRunnable.class);

	private final Runnable task;

	private final SchedulingLease lease;

	LeaseGuardedRunnable(Runnable task, SchedulingLease lease) {
		this.task = task;
		this.lease = lease;
	}

	@Override
	public void run() {
		if (this.lease.canRun()) {
			this.task.run();
		}
		else if (logger.isTraceEnabled()) {
			logger.trace("Skipped a tick of " + this.task + ": another worker holds the scheduling lease");
		}
	}

	@Override
	public boolean isLongLived() {
		return (this.task instanceof SchedulingAwareRunnable aware) && aware.isLongLived();
	}

	@Override
	public @Nullable String getQualifier() {
		return (this.task instanceof SchedulingAwareRunnable aware) ? aware.getQualifier() : null;
	}

	@Override
	public String toString() {
		return this.task.toString();
	}

}
