package dev.bootcluster.master;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerSnapshot.Exit;
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerState;

/**
 * A worker id: its current process, while it is being replaced the one that still serves,
 * and its history (crash replacements, rollout replacements, the last process that left).
 * Owned by the supervisor's loop.
 */
final class Slot {

	/** Lines kept per worker slot for failure reports. */
	static final int LAST_LINES = 50;

	final int id;

	final LineBuffer lines = new LineBuffer(LAST_LINES);

	final RestartPolicy.Tracker tracker;

	/** The slot's process: the one serving or, while none is, the last one. */
	Worker current;

	/** The process a replacement will retire once the new one is READY. */
	@Nullable Worker retiring;

	/** The replacement step running in this slot, if any. */
	@Nullable Replacement replacement;

	/** Replacement steps waiting for the running one to end, in order. */
	final Deque<Replacement> waiting = new ArrayDeque<>();

	/** The pending crash restart, if any. */
	SupervisorLoop.@Nullable Timer restartTimer;

	/** Set when the slot is given up once its current process is gone. */
	@Nullable String givingUp;

	/** Processes started because the one before crashed, hung or broke. */
	int restarts;

	/**
	 * Scaled away: its process drains and exits, then the slot is gone (never restarted).
	 */
	boolean removed;

	/** Processes of this slot drained by a rolling restart or its rollback. */
	int replacements;

	/** Processes of this slot recycled ({@code cluster.recycle.*}). */
	int recycles;

	@Nullable Exit lastExit;

	Slot(int id, RestartPolicy.Tracker tracker) {
		this.id = id;
		this.tracker = tracker;
	}

	/** Records that a process left the slot. */
	void left(Worker worker, int status, ExitCause cause, Instant at) {
		this.lastExit = new Exit(worker.pid, status, cause, at,
				(cause == ExitCause.RECYCLED) ? worker.recycleReason : null);
		if (cause == ExitCause.REPLACED) {
			this.replacements++;
		}
		else if (cause == ExitCause.RECYCLED) {
			this.recycles++;
		}
	}

	WorkerState state() {
		return this.current.state;
	}

	WorkerSnapshot snapshot(Instant now) {
		Worker worker = this.current;
		WorkerState state = worker.state;
		WorkerProcess process = worker.process;
		Instant startedAt = (process != null) ? process.startedAt() : null;
		long uptime = (startedAt != null && state.isAlive()) ? Duration.between(startedAt, now).toMillis() : 0;
		List<String> lastLines = (state == WorkerState.FAILED) ? this.lines.lines() : List.of();
		return new WorkerSnapshot(this.id, worker.pid, state, worker.startedFor, startedAt, uptime, worker.readyMillis,
				worker.lastHeartbeat, worker.heapUsedBytes, this.restarts, this.replacements, this.lastExit, lastLines,
				worker.requests, worker.requestsPerSecond, worker.heapAfterGcBytes,
				state.isAlive() ? worker.rssBytes : -1, this.recycles);
	}

}
