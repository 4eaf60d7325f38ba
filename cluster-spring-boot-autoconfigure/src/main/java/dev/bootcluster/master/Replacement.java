package dev.bootcluster.master;

import java.time.Duration;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;

/**
 * Replaces the process of one slot, surge first: starts the new one, waits until it is
 * READY, then retires the old one (drains it, or kills it when it hung) and waits for it
 * to exit, each step with its timeout. Serves rolling restarts, their rollback, and the
 * replacement of hung and broken workers. Runs on the supervisor's loop: each step is a
 * callback, nothing waits.
 * <p>
 * When the new process exits or is not READY in time, it is stopped and the old one keeps
 * serving, if it still can; otherwise the slot falls back to a crash restart of the last
 * good build.
 */
final class Replacement {

	private static final Log logger = LogFactory.getLog(Replacement.class);

	/** How long to wait for a SIGKILLed process to be seen gone. */
	static final Duration KILL_WAIT = Duration.ofSeconds(10);

	/** How the old process leaves once the new one is READY. */
	enum Retire {

		/** Drain: refuse traffic, finish what it holds, exit. */
		DRAIN,

		/** SIGKILL: it cannot drain (it hung). */
		KILL

	}

	/** Told how a replacement ended, on the loop. */
	interface Outcome {

		/** The new process is READY and the old one leaves (drains or is killed). */
		default void retiring(Replacement replacement) {
		}

		void replaced(Replacement replacement);

		/**
		 * @param reason what went wrong, for the status
		 * @param lines the slot's last lines (the failing process's)
		 */
		void failed(Replacement replacement, String reason, List<String> lines);

	}

	private final Supervisor supervisor;

	final Slot slot;

	private final StartReason reason;

	private final boolean candidate;

	private final Retire retire;

	private final ExitCause retireCause;

	private final Outcome outcome;

	private @Nullable Worker fresh;

	private @Nullable Worker old;

	private SupervisorLoop.@Nullable Timer timer;

	private boolean ended;

	/**
	 * @param reason why the new process is started
	 * @param candidate start the build on disk (a rollout) rather than the last good one
	 * @param retire how the old process leaves
	 * @param retireCause how the old process's exit is recorded
	 */
	Replacement(Supervisor supervisor, Slot slot, StartReason reason, boolean candidate, Retire retire,
			ExitCause retireCause, Outcome outcome) {
		this.supervisor = supervisor;
		this.slot = slot;
		this.reason = reason;
		this.candidate = candidate;
		this.retire = retire;
		this.retireCause = retireCause;
		this.outcome = outcome;
	}

	/** The new process, once started. */
	@Nullable Worker fresh() {
		return this.fresh;
	}

	/** Starts the new process; the slot's current one keeps serving meanwhile. */
	void start() {
		Worker current = this.slot.current;
		this.old = current.state.isAlive() ? current : null;
		if (this.slot.restartTimer != null) {
			// the crash restart this one supersedes
			this.slot.restartTimer.cancel();
			this.slot.restartTimer = null;
		}
		this.slot.retiring = this.old;
		Worker started = this.supervisor.launch(this.slot, this.reason, this.candidate);
		started.owner = this;
		this.fresh = started;
		Duration timeout = this.supervisor.timeouts().ready();
		this.timer = this.supervisor.loop()
			.schedule(timeout,
					() -> failed("was not READY within " + timeout.toSeconds() + " s (cluster.restart.ready-timeout)"));
	}

	/** The new process is READY: retire the old one. */
	void freshReady() {
		cancelTimer();
		Worker worker = this.fresh;
		if (worker != null) {
			worker.owner = null;
		}
		Worker leaving = this.old;
		if (leaving == null || !leaving.state.isAlive()) {
			end();
			return;
		}
		if (this.retire == Retire.KILL || leaving.state == WorkerState.HUNG) {
			leaving.stopCause = (leaving.state == WorkerState.HUNG) ? ExitCause.HUNG : this.retireCause;
			logger.warn(leaving + " is killed (SIGKILL): its replacement is READY and it cannot drain");
			this.supervisor.kill(leaving);
			this.timer = this.supervisor.loop().schedule(KILL_WAIT, () -> gaveUpWaiting(leaving));
			this.outcome.retiring(this);
			return;
		}
		leaving.stopCause = this.retireCause;
		this.supervisor.drain(leaving);
		Duration retire = this.supervisor.timeouts().retire();
		this.timer = this.supervisor.loop().schedule(retire, () -> {
			logger.warn(leaving + " was still running " + retire.toMillis() + " ms after it was asked to drain "
					+ "(requests still in progress or a stuck shutdown); sending SIGTERM");
			this.supervisor.terminate(leaving);
			Duration shutdown = this.supervisor.timeouts().shutdown();
			this.timer = this.supervisor.loop().schedule(shutdown, () -> {
				logger.warn(leaving + " ignored SIGTERM for " + shutdown.toSeconds() + " s; killing it");
				this.supervisor.kill(leaving);
				this.timer = this.supervisor.loop().schedule(KILL_WAIT, () -> gaveUpWaiting(leaving));
			});
		});
		this.outcome.retiring(this);
	}

	private void gaveUpWaiting(Worker leaving) {
		logger.error(leaving + " was not seen to exit " + KILL_WAIT.toSeconds() + " s after SIGKILL; going on");
		end();
	}

	/** A process of this slot exited: the new one before READY, or the old one. */
	void exited(Worker worker, int status) {
		if (worker == this.fresh && worker.owner == this) {
			String what = (worker.startFailure != null) ? "could not be started (" + worker.startFailure + ")"
					: "exited with status " + status + " before it was READY" + described(status);
			failed(what);
		}
		else if (worker == this.old && this.fresh != null && this.fresh.owner == null) {
			cancelTimer();
			end();
		}
	}

	/** What an exit status means, when it says more than its number. */
	private static String described(int status) {
		String description = ExitStatus.describe(status);
		return description.equals("exit status " + status) ? "" : " (" + description + ")";
	}

	private void failed(String what) {
		if (this.ended) {
			return;
		}
		cancelTimer();
		Worker worker = this.fresh;
		String who = "the replacement for worker-" + this.slot.id;
		if (worker != null) {
			worker.owner = null;
			who = "replacement " + worker;
			if (worker.state.isAlive()) {
				worker.stopCause = ExitCause.STOPPED;
				this.supervisor.kill(worker);
			}
		}
		String reasonText = who + " " + what;
		List<String> lines = this.slot.lines.lines();
		Worker leaving = this.old;
		if (leaving != null && leaving.state.isAlive() && leaving.state != WorkerState.HUNG) {
			// the old process never stopped serving: it is the slot's again
			this.slot.current = leaving;
			this.slot.retiring = null;
			logger.warn(reasonText + "; " + leaving + " keeps serving");
		}
		else {
			if (leaving != null && leaving.state.isAlive()) {
				leaving.stopCause = ExitCause.HUNG;
				this.supervisor.kill(leaving);
			}
			logger.warn(reasonText + "; the slot is restarted from the last good build");
			this.supervisor.restartAfterCrash(this.slot, null);
		}
		this.ended = true;
		this.supervisor.replacementEnded(this);
		this.outcome.failed(this, reasonText, lines);
	}

	private void end() {
		if (this.ended) {
			return;
		}
		this.ended = true;
		this.slot.retiring = null;
		this.supervisor.replacementEnded(this);
		this.outcome.replaced(this);
	}

	/** The cluster is stopping: no more steps, no outcome. */
	void cancel() {
		cancelTimer();
		this.ended = true;
		if (this.fresh != null) {
			this.fresh.owner = null;
		}
	}

	private void cancelTimer() {
		if (this.timer != null) {
			this.timer.cancel();
			this.timer = null;
		}
	}

}
