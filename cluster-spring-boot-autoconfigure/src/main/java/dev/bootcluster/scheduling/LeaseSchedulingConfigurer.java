package dev.bootcluster.scheduling;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/**
 * Puts a worker's scheduled tasks under the scheduling lease, the way Spring lets an
 * application configure scheduling: a {@link SchedulingConfigurer}.
 * <p>
 * How Spring Framework 7 schedules: {@code ScheduledAnnotationBeanPostProcessor} turns
 * each {@code @Scheduled} method into a task of its {@link ScheduledTaskRegistrar}; on
 * context refresh it gives the registrar its scheduler (the {@code TaskScheduler} bean,
 * or per task the one {@code @Scheduled(scheduler = ...)} names), calls every
 * {@code SchedulingConfigurer}, which may add tasks or change the scheduler, and then has
 * the registrar schedule every task on its scheduler; a task registered later (a lazy
 * bean) goes to that scheduler too. This configurer comes last of them and replaces the
 * registrar's scheduler with a {@link LeaseTaskScheduler} over it, which wraps each task
 * in a check of the lease. So every task that goes through the registrar follows the
 * lease: {@code @Scheduled} methods, reactive ones, and the tasks a library adds through
 * its own {@code SchedulingConfigurer}.
 * <p>
 * Why the scheduler and not the tasks or the methods: a task's {@code Runnable} is fixed
 * when the task is created, and the registrar's task lists hold handles that Spring (and
 * actuator's {@code scheduledtasks} endpoint) keep; an AOP proxy around the methods would
 * also skip calls an application makes itself. Wrapping the scheduler changes nothing but
 * when a tick runs, and each tick's check costs a few volatile reads and a look at the
 * clock.
 * <p>
 * Out of reach: tasks a library or the application schedules on an executor or a
 * {@code TaskScheduler} of its own (not through the registrar), plain JDK timers and
 * executors. Spring Session JDBC's cleanup is one and is handled on its own
 * ({@code JdbcSessionCleanupScheduling}).
 */
public class LeaseSchedulingConfigurer
		implements SchedulingConfigurer, Ordered, ApplicationListener<ApplicationReadyEvent> {

	private static final Log logger = LogFactory.getLog(LeaseSchedulingConfigurer.class);

	private final @Nullable SchedulingLeaseKeeper keeper;

	private final EveryWorkerMethods everyWorker;

	private final String worker;

	private final Report report;

	private volatile @Nullable LeaseTaskScheduler scheduler;

	/**
	 * Create the configurer of a worker.
	 * @param keeper the lease keeper, or {@code null} if every task runs in every worker
	 * ({@code cluster.scheduling=every-worker})
	 * @param everyWorker the methods marked {@link EveryWorker}
	 * @param worker this worker as logs name it
	 */
	public LeaseSchedulingConfigurer(@Nullable SchedulingLeaseKeeper keeper, EveryWorkerMethods everyWorker,
			String worker) {
		this(keeper, everyWorker, worker, (leaseHolderOnly, inEveryWorker) -> {
		});
	}

	/**
	 * Create the configurer of a worker that reports where its tasks run.
	 * @param keeper the lease keeper, or {@code null} if every task runs in every worker
	 * ({@code cluster.scheduling=every-worker})
	 * @param everyWorker the methods marked {@link EveryWorker}
	 * @param worker this worker as logs name it
	 * @param report told once the application started (to the master, which logs it)
	 */
	public LeaseSchedulingConfigurer(@Nullable SchedulingLeaseKeeper keeper, EveryWorkerMethods everyWorker,
			String worker, Report report) {
		this.keeper = keeper;
		this.everyWorker = everyWorker;
		this.worker = worker;
		this.report = report;
	}

	@Override
	public void configureTasks(ScheduledTaskRegistrar registrar) {
		TaskScheduler current = registrar.getScheduler();
		if (current == null || current instanceof LeaseTaskScheduler) {
			// Spring sets the scheduler before it calls the configurers
			return;
		}
		SchedulingLease lease = null;
		if (this.keeper != null) {
			lease = this.keeper.lease();
			// before the first tick is due, so that it finds the lease taken
			this.keeper.start();
		}
		LeaseTaskScheduler scheduler = new LeaseTaskScheduler(current, lease, this.everyWorker::contains);
		registrar.setTaskScheduler(scheduler);
		this.scheduler = scheduler;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		LeaseTaskScheduler scheduler = this.scheduler;
		if (scheduler == null) {
			return;
		}
		if (this.keeper != null) {
			logger.info(this.worker + " scheduled tasks on the lease holder only: " + scheduler.leaseHolderOnly()
					+ "; in every worker: " + scheduler.inEveryWorker());
		}
		else {
			logger.info(this.worker + " scheduled tasks in every worker (cluster.scheduling=every-worker): "
					+ scheduler.inEveryWorker());
		}
		scheduler.logLateTasks((line) -> logger.info(this.worker + " " + line));
		try {
			this.report.report(scheduler.leaseHolderOnly(), scheduler.inEveryWorker());
		}
		catch (RuntimeException ex) {
			logger.debug("Cannot report where scheduled tasks run: " + ex.getMessage());
		}
	}

	/** Where the tasks scheduled at start run. */
	@FunctionalInterface
	public interface Report {

		/**
		 * @param leaseHolderOnly the tasks run by the lease holder only (empty without a
		 * lease)
		 * @param inEveryWorker the tasks every worker runs
		 */
		void report(List<String> leaseHolderOnly, List<String> inEveryWorker);

	}

	@Override
	public int getOrder() {
		// after every other configurer, which may set the scheduler
		return Ordered.LOWEST_PRECEDENCE;
	}

}
