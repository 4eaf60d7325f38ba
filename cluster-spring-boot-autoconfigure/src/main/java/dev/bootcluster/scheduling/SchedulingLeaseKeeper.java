package dev.bootcluster.scheduling;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;

/**
 * Keeps a worker's {@link SchedulingLease} in step with the worker: renews it every
 * renewal interval on a daemon thread of its own (so a busy application scheduler cannot
 * delay renewals), from the first guarded task on; suspends it when the worker reports
 * readiness {@link ReadinessState#REFUSING_TRAFFIC} (a draining worker, which gives it up
 * at once) and resumes it on {@link ReadinessState#ACCEPTING_TRAFFIC}; gives it up for
 * good when the context closes, before the graceful shutdown waits for anything.
 */
public class SchedulingLeaseKeeper implements GenericApplicationListener, ApplicationContextAware, DisposableBean {

	private final SchedulingLease lease;

	private final Duration interval;

	private @Nullable ScheduledExecutorService renewer;

	private boolean stopped;

	private @Nullable ApplicationContext context;

	/**
	 * Create a keeper.
	 * @param lease the lease
	 * @param interval how often to renew it (the heartbeat interval)
	 */
	public SchedulingLeaseKeeper(SchedulingLease lease, Duration interval) {
		this.lease = lease;
		this.interval = interval;
	}

	/** The lease. */
	public SchedulingLease lease() {
		return this.lease;
	}

	/**
	 * Starts renewing, if not yet started: one renewal now, on the caller's thread (so
	 * that the first tick after start finds the lease taken), then one per interval.
	 */
	public void start() {
		ScheduledExecutorService renewer;
		synchronized (this) {
			if (this.renewer != null || this.stopped) {
				return;
			}
			renewer = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "cluster-scheduling-lease");
				thread.setDaemon(true);
				return thread;
			});
			this.renewer = renewer;
		}
		this.lease.renew();
		long millis = Math.max(1, this.interval.toMillis());
		try {
			renewer.scheduleWithFixedDelay(this::renew, millis, millis, TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// stopped meanwhile
		}
	}

	private void renew() {
		try {
			this.lease.renew();
		}
		catch (RuntimeException ex) {
			// never let one failure end the renewals: the lease logs its own failures
		}
	}

	@Override
	public void setApplicationContext(ApplicationContext context) {
		this.context = context;
	}

	@Override
	public boolean supportsEventType(ResolvableType eventType) {
		Class<?> type = eventType.getRawClass();
		return type != null && (AvailabilityChangeEvent.class.isAssignableFrom(type)
				|| ContextClosedEvent.class.isAssignableFrom(type));
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof AvailabilityChangeEvent<?> change) {
			if (change.getState() == ReadinessState.REFUSING_TRAFFIC) {
				this.lease.suspend();
			}
			else if (change.getState() == ReadinessState.ACCEPTING_TRAFFIC) {
				this.lease.resume();
			}
		}
		else if (event instanceof ContextClosedEvent closed && closed.getApplicationContext() == this.context) {
			// not a child context's (a separate management port's)
			stop();
		}
	}

	@Override
	public int getOrder() {
		// before any other listener of the closing context: another worker may take over
		// while this one shuts down
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public void destroy() {
		stop();
	}

	private void stop() {
		ScheduledExecutorService renewer;
		synchronized (this) {
			this.stopped = true;
			renewer = this.renewer;
		}
		if (renewer != null) {
			renewer.shutdownNow();
		}
		this.lease.close();
	}

}
