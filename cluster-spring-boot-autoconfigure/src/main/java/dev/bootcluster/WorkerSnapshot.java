package dev.bootcluster;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * What the master knows about one worker slot at one moment: the slot's current process
 * and the slot's history, kept apart, so that a process started by a rolling restart does
 * not look as if it had crashed.
 * <p>
 * The process components ({@code pid} to {@code heapUsedBytes}) describe the slot's
 * current process: the running one or, while the slot has none running (CRASHED and
 * waiting for its restart, FAILED, STOPPED), the last one, whose exit {@code lastExit}
 * then describes. The history components ({@code restarts}, {@code replacements},
 * {@code lastExit}) belong to the slot and outlive its processes.
 *
 * @param id worker slot id, from 1
 * @param pid process id of the current process, or -1 before the first start or after a
 * start that failed
 * @param state lifecycle state of the slot: its current process's state, or FAILED once
 * the master gave the slot up
 * @param startedFor why the current process was started, or null when there is none
 * @param startedAt when the current process started, or null when there is none
 * @param uptimeMillis milliseconds since {@code startedAt} while alive, else 0
 * @param readyMillis milliseconds from process start to READY, or null while not yet
 * ready
 * @param lastHeartbeat when the current process last reported, if ever
 * @param heapUsedBytes heap the current process had in use at its last heartbeat
 * @param restarts crash replacements in this slot: processes the master started because
 * the one before crashed (or could not be started); the cluster's {@code restarts} is
 * their sum
 * @param replacements processes of this slot that a rolling restart (or its rollback)
 * replaced (drained once their replacement was READY); not crashes, so not in
 * {@code restarts}
 * @param lastExit the last process that left the slot, whichever way, or null if none has
 * @param lastLines last lines the slot's processes logged, filled in for a FAILED slot
 */
public record WorkerSnapshot(int id, long pid, WorkerState state, @Nullable StartReason startedFor,
		@Nullable Instant startedAt, long uptimeMillis, @Nullable Long readyMillis, @Nullable Instant lastHeartbeat,
		long heapUsedBytes, int restarts, int replacements, @Nullable Exit lastExit, List<String> lastLines) {

	public WorkerSnapshot {
		Objects.requireNonNull(state, "state");
		lastLines = List.copyOf(lastLines);
	}

	/** Why the master started a process. */
	public enum StartReason {

		/** The slot's first start, when the master started. */
		START,

		/** To replace a process that crashed (or could not be started). */
		CRASH,

		/** By a rolling restart, to replace a process that then drained. */
		RESTART,

		/** By a failed rolling restart, to put the previous build back. */
		ROLLBACK,

		/** To replace a process that stopped sending heartbeats (HUNG). */
		HUNG,

		/** To replace a process whose application reported LivenessState.BROKEN. */
		LIVENESS

	}

	/** Why a process left its slot. */
	public enum ExitCause {

		/** It exited on its own or was killed by someone else than the master. */
		CRASHED,

		/** A rolling restart drained it once its replacement was READY. */
		REPLACED,

		/**
		 * The master stopped it: the cluster stopping, or a rolling restart removing a
		 * replacement that did not become READY.
		 */
		STOPPED,

		/**
		 * It stopped sending heartbeats; the master killed it (SIGKILL) once its
		 * replacement was READY.
		 */
		HUNG,

		/**
		 * Its application reported LivenessState.BROKEN; it was drained once its
		 * replacement was READY.
		 */
		BROKEN

	}

	/**
	 * A process that left its slot.
	 *
	 * @param pid its process id
	 * @param exitCode its exit status (128 + n when signal n ended it)
	 * @param cause why it left
	 * @param at when the master saw it exit
	 */
	public record Exit(long pid, int exitCode, ExitCause cause, Instant at) {

		public Exit {
			Objects.requireNonNull(cause, "cause");
			Objects.requireNonNull(at, "at");
		}

	}

}
