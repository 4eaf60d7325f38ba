package dev.bootcluster.master;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.RestartOperation;
import dev.bootcluster.RestartOperation.State;
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.ipc.Message;

/**
 * Replaces the workers one at a time with the build on disk, each through a
 * {@link Replacement} (surge first, drain after); with {@code cluster.restart.max-surge}
 * above 1 the next replacement boots while the previous old worker still drains. When a
 * replacement fails at worker k, the k−1 workers already on the new build are replaced
 * again from the previous build through the same step, and the operation ends ROLLED_BACK
 * with the reason and the failing worker's last lines; FAILED only if the rollback itself
 * fails. A cluster stop ends it ABORTED. Runs on the supervisor's loop; the build's files
 * are prepared and kept or discarded by the {@link Listener} on the launcher thread.
 */
public final class RollingRestart {

	private static final Log logger = LogFactory.getLog(RollingRestart.class);

	private final Supervisor supervisor;

	private final Clock clock;

	private final Executor launcher;

	/** Old workers that may drain while the next replacement boots, plus one. */
	private final int maxSurge;

	/** Whether there is memory for one more worker than a one-at-a-time rollout runs. */
	private final BooleanSupplier surgeMemory;

	private long ids;

	private @Nullable RestartOperation latest;

	private @Nullable Listener listener;

	/** The operation running, or null. */
	private @Nullable Run running;

	/**
	 * @param maxSurge {@code cluster.restart.max-surge}: processes beyond the desired
	 * count a rollout may run at once (1: the next replacement starts once the previous
	 * old worker has exited; 2: while it drains)
	 * @param surgeMemory whether memory allows a replacement to boot while another old
	 * worker drains
	 */
	RollingRestart(Supervisor supervisor, Clock clock, Executor launcher, int maxSurge, BooleanSupplier surgeMemory) {
		this.supervisor = supervisor;
		this.clock = clock;
		this.launcher = launcher;
		this.maxSurge = maxSurge;
		this.surgeMemory = surgeMemory;
	}

	void setListener(Listener listener) {
		this.listener = listener;
	}

	@Nullable RestartOperation latest() {
		return this.latest;
	}

	/** The rolling restart still in progress, or null when none is. */
	@Nullable RestartOperation running() {
		RestartOperation latest = this.latest;
		return (latest != null && latest.inProgress()) ? latest : null;
	}

	/** Starts a rolling restart, or reports the one already running. */
	Message.RestartReply start(long requestId, String trigger, List<Slot> slots) {
		RestartOperation running = running();
		if (running != null) {
			return new Message.RestartReply(requestId, false, running);
		}
		String id = "restart-" + (++this.ids);
		RestartOperation operation = new RestartOperation(id, State.RUNNING, trigger, 0, slots.size(), "starting",
				this.clock.instant(), null, null, List.of());
		this.latest = operation;
		logger.info("Rolling restart " + id + " of " + slots.size() + " workers started (" + trigger + ")");
		Run run = new Run(id, slots);
		this.running = run;
		Listener building = this.listener;
		if (building == null) {
			run.next();
		}
		else {
			update(operation, "preparing the new build");
			this.launcher.execute(() -> {
				CompletionStage<?> prepared;
				try {
					prepared = building.started();
				}
				catch (RuntimeException ex) {
					prepared = CompletableFuture.failedFuture(ex);
				}
				prepared.whenComplete((ignored, ex) -> this.supervisor.loop().execute(() -> {
					if (ex != null) {
						Throwable cause = (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause()
								: ex;
						run.end(State.FAILED, "preparing the new build",
								"preparing the new build failed: " + cause.getMessage(), List.of());
					}
					else {
						run.next();
					}
				}));
			});
		}
		return new Message.RestartReply(requestId, true, operation);
	}

	private void update(RestartOperation operation, String step) {
		this.latest = new RestartOperation(operation.id(), operation.state(), operation.trigger(), 0, operation.total(),
				step, operation.startedAt(), null, null, List.of());
	}

	/** The cluster is stopping: the rollout running, if any, ends ABORTED. */
	void abort(String why) {
		Run run = this.running;
		if (run != null) {
			run.end(State.ABORTED, "aborted", why, List.of());
		}
	}

	/** One rollout: forward through the slots, then back through those replaced. */
	private final class Run {

		private final String id;

		private final List<Slot> slots;

		private int next;

		private final List<Slot> replaced = new ArrayList<>();

		private final List<String> notes = new ArrayList<>();

		private final Deque<Slot> rollback = new ArrayDeque<>();

		private @Nullable String failure;

		private List<String> failureLines = List.of();

		private @Nullable String rollbackFailure;

		private int rolledBack;

		/** Replacements of this rollout whose new worker is not READY yet. */
		private int booting;

		/** Replacements of this rollout whose new worker is READY and old one drains. */
		private int draining;

		private boolean rollbackStarted;

		private boolean memoryNoted;

		Run(String id, List<Slot> slots) {
			this.id = id;
			this.slots = slots;
		}

		private boolean current() {
			return RollingRestart.this.running == this;
		}

		/**
		 * Starts the next replacement when none is booting and fewer than
		 * {@code max-surge} old workers are still draining (and memory allows a second
		 * surge); ends the rollout once every slot is replaced and nothing drains.
		 */
		void next() {
			if (!current() || this.failure != null) {
				return;
			}
			if (this.next == this.slots.size()) {
				if (this.booting == 0 && this.draining == 0) {
					String step = this.notes.isEmpty() ? "done" : "done; " + String.join("; ", this.notes);
					end(State.SUCCEEDED, step, null, List.of());
				}
				return;
			}
			if (this.booting > 0 || this.draining >= RollingRestart.this.maxSurge) {
				return;
			}
			if (this.draining > 0 && !RollingRestart.this.surgeMemory.getAsBoolean()) {
				if (!this.memoryNoted) {
					this.memoryNoted = true;
					logger.info("Rolling restart " + this.id + ": not enough available memory for another worker "
							+ "while one drains; replacing one at a time");
				}
				return;
			}
			Slot slot = this.slots.get(this.next++);
			this.booting++;
			update(State.RUNNING, this.replaced.size(), "replacing worker-" + slot.id
					+ ((this.draining > 0) ? " (" + this.draining + " old worker(s) draining)" : ""));
			RollingRestart.this.supervisor.replace(slot, StartReason.RESTART, true, Replacement.Retire.DRAIN,
					ExitCause.REPLACED, new Replacement.Outcome() {

						private boolean retiring;

						@Override
						public void retiring(Replacement replacement) {
							this.retiring = true;
							Run.this.booting--;
							Run.this.draining++;
							next();
						}

						@Override
						public void replaced(Replacement replacement) {
							if (this.retiring) {
								Run.this.draining--;
							}
							else {
								Run.this.booting--;
							}
							if (current()) {
								Run.this.replaced.add(slot);
								update((Run.this.failure != null) ? State.ROLLING_BACK : State.RUNNING,
										Run.this.replaced.size(), "replaced worker-" + slot.id);
								if (Run.this.failure != null) {
									rollbackOnceSettled();
								}
								else {
									next();
								}
							}
						}

						@Override
						public void failed(Replacement replacement, String reason, List<String> lines) {
							Run.this.booting--;
							if (current()) {
								Run.this.failure = reason;
								Run.this.failureLines = lines;
								if (Run.this.draining > 0) {
									update(State.ROLLING_BACK, Run.this.replaced.size(),
											"the replacement for worker-" + slot.id + " failed; rolling back once "
													+ Run.this.draining + " old worker(s) drained");
								}
								rollbackOnceSettled();
							}
						}

					});
		}

		/**
		 * Rolls back once no replacement of this rollout is still draining its old worker
		 * (with {@code max-surge} above 1, a slot may be on the new build while the next
		 * one failed).
		 */
		private void rollbackOnceSettled() {
			if (this.booting == 0 && this.draining == 0 && this.failure != null && !this.rollbackStarted) {
				this.rollbackStarted = true;
				startRollback(this.failure, this.failureLines);
			}
		}

		private void startRollback(String reason, List<String> lines) {
			if (this.replaced.isEmpty()) {
				end(State.ROLLED_BACK, "rolled back",
						reason + "; no worker had the new build yet: the old workers keep serving", lines);
				return;
			}
			logger.warn("Rolling restart " + this.id + ": " + reason + "; rolling " + this.replaced.size()
					+ " worker(s) back to the previous build");
			for (int i = this.replaced.size() - 1; i >= 0; i--) {
				this.rollback.add(this.replaced.get(i));
			}
			rollbackNext();
		}

		private void rollbackNext() {
			if (!current()) {
				return;
			}
			Slot slot = this.rollback.poll();
			if (slot == null) {
				if (this.rollbackFailure != null) {
					end(State.FAILED, "rollback failed", this.failure + "; then the rollback failed: "
							+ this.rollbackFailure + " (that worker still runs the new build)", this.failureLines);
				}
				else {
					end(State.ROLLED_BACK, "rolled back " + this.rolledBack + " worker(s) to the previous build",
							this.failure + "; " + this.rolledBack + " worker(s) already on the new build were "
									+ "replaced from the previous one",
							this.failureLines);
				}
				return;
			}
			update(State.ROLLING_BACK, this.replaced.size() - this.rolledBack,
					"rolling worker-" + slot.id + " back to the previous build");
			RollingRestart.this.supervisor.replace(slot, StartReason.ROLLBACK, false, Replacement.Retire.DRAIN,
					ExitCause.REPLACED, new Replacement.Outcome() {

						@Override
						public void replaced(Replacement replacement) {
							Run.this.rolledBack++;
							rollbackNext();
						}

						@Override
						public void failed(Replacement replacement, String reason, List<String> lines) {
							Run.this.rollbackFailure = (Run.this.rollbackFailure == null) ? reason
									: Run.this.rollbackFailure + "; " + reason;
							rollbackNext();
						}

					});
		}

		private void update(State state, int replacedCount, String step) {
			RestartOperation current = RollingRestart.this.latest;
			if (current != null && current.id().equals(this.id)) {
				RollingRestart.this.latest = new RestartOperation(this.id, state, current.trigger(), replacedCount,
						current.total(), step, current.startedAt(), null, null, List.of());
			}
		}

		void end(State state, String step, @Nullable String reason, List<String> lines) {
			if (!current()) {
				return;
			}
			RollingRestart.this.running = null;
			RestartOperation current = RollingRestart.this.latest;
			RestartOperation operation = new RestartOperation(this.id, state,
					(current != null) ? current.trigger() : "?", this.replaced.size() - this.rolledBack,
					this.slots.size(), step,
					(current != null) ? current.startedAt() : RollingRestart.this.clock.instant(),
					RollingRestart.this.clock.instant(), reason, lines);
			RollingRestart.this.latest = operation;
			Duration took = Duration.between(operation.startedAt(), operation.finishedAt());
			if (state == State.SUCCEEDED) {
				logger.info("Rolling restart " + this.id + " SUCCEEDED: " + operation.replaced()
						+ " workers replaced in " + took.toMillis() + " ms");
			}
			else if (state == State.ABORTED) {
				logger.warn("Rolling restart " + this.id + " ABORTED: " + reason);
			}
			else if (state == State.ROLLED_BACK) {
				logger.warn("Rolling restart " + this.id + " ROLLED_BACK after " + took.toMillis() + " ms: " + reason);
			}
			else {
				logger
					.error("Rolling restart " + this.id + " " + state + " after " + took.toMillis() + " ms: " + reason);
			}
			RollingRestart.this.supervisor.rolloutEnded();
			Listener building = RollingRestart.this.listener;
			if (building != null) {
				RollingRestart.this.launcher.execute(() -> building.finished(operation));
			}
		}

	}

	/**
	 * Told, on the launcher thread, when a rollout starts and how it ended (the master
	 * keeps the last good build).
	 */
	public interface Listener {

		/**
		 * Prepares the new build; the first worker is replaced once the stage completes,
		 * and the rollout fails if it completes exceptionally. Must not block for long:
		 * the launcher thread also starts crash replacements.
		 */
		CompletionStage<?> started();

		void finished(RestartOperation operation);

	}

}
