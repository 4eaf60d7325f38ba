package dev.bootcluster.master;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ipc.Message.Schedules;

/**
 * The master's log of where the application's scheduled methods run, as the workers
 * report them once started: logged when the first worker reports, and again only when a
 * report differs from the last one logged (a deploy that changed them, say), so that a
 * cluster of N workers and each of their restarts does not repeat it.
 */
final class ScheduleLog {

	private static final Log logger = LogFactory.getLog(ScheduleLog.class);

	private @Nullable Schedules logged;

	/** From any reader thread: a worker's report. */
	synchronized void reported(String worker, Schedules schedules) {
		if (schedules.equals(this.logged)) {
			return;
		}
		this.logged = schedules;
		logger.info(describe(worker, schedules));
	}

	static String describe(String worker, Schedules schedules) {
		StringBuilder line = new StringBuilder("Scheduled methods (cluster.scheduling=").append(schedules.mode())
			.append(", as ")
			.append(worker)
			.append(" reports them): ");
		if (!schedules.leaseHolder().isEmpty() || schedules.everyWorker().isEmpty()) {
			line.append("on the scheduling lease holder only, one worker at a time: ")
				.append(names(schedules.leaseHolder()))
				.append("; ");
		}
		line.append("in every worker: ").append(names(schedules.everyWorker()));
		return line.toString();
	}

	private static String names(List<String> methods) {
		return (methods.isEmpty()) ? "none" : String.join(", ", methods);
	}

}
