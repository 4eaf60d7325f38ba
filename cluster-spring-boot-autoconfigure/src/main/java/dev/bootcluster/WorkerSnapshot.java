package dev.bootcluster;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.OptBoolean;
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
 * @param requests HTTP requests the current process has served, or -1 when it has not
 * said (an earlier version)
 * @param requestsPerSecond its requests per second over the last seconds, or -1
 * @param heapAfterGcBytes heap it had in use after its last collection, or -1
 * @param rssBytes its resident memory, or -1 where the master cannot read it
 * @param recycles processes of this slot recycled ({@code cluster.recycle.*}); not
 * crashes, so not in {@code restarts}
 */
public record WorkerSnapshot(int id, long pid, WorkerState state, @Nullable StartReason startedFor,
		@Nullable Instant startedAt, long uptimeMillis, @Nullable Long readyMillis, @Nullable Instant lastHeartbeat,
		long heapUsedBytes, int restarts, int replacements, @Nullable Exit lastExit, List<String> lastLines,
		// an earlier master sends none of these (a rolling deploy of this version)
		@JacksonInject(value = ABSENT_REQUESTS, useInput = OptBoolean.TRUE) long requests,
		@JacksonInject(value = ABSENT_RATE, useInput = OptBoolean.TRUE) double requestsPerSecond,
		@JacksonInject(value = ABSENT_HEAP_AFTER_GC, useInput = OptBoolean.TRUE) long heapAfterGcBytes,
		@JacksonInject(value = ABSENT_RSS, useInput = OptBoolean.TRUE) long rssBytes,
		@JacksonInject(value = ABSENT_RECYCLES, useInput = OptBoolean.TRUE) int recycles) {

	/**
	 * Ids of the values the IPC codec gives the components an earlier version does not
	 * send (Jackson wants one id per component): -1, -1.0, 0 or null.
	 */
	public static final String ABSENT_REQUESTS = "absent-requests", ABSENT_RATE = "absent-rate",
			ABSENT_HEAP_AFTER_GC = "absent-heap-after-gc", ABSENT_RSS = "absent-rss",
			ABSENT_RECYCLES = "absent-recycles", ABSENT_REASON = "absent-reason",
			ABSENT_MASTER_RSS = "absent-master-rss";

	public WorkerSnapshot {
		Objects.requireNonNull(state, "state");
		lastLines = List.copyOf(lastLines);
	}

	/** A slot without the figures of pulses and recycling. */
	public WorkerSnapshot(int id, long pid, WorkerState state, @Nullable StartReason startedFor,
			@Nullable Instant startedAt, long uptimeMillis, @Nullable Long readyMillis, @Nullable Instant lastHeartbeat,
			long heapUsedBytes, int restarts, int replacements, @Nullable Exit lastExit, List<String> lastLines) {
		this(id, pid, state, startedFor, startedAt, uptimeMillis, readyMillis, lastHeartbeat, heapUsedBytes, restarts,
				replacements, lastExit, lastLines, -1, -1, -1, -1, 0);
	}

	/** This slot without its last lines. */
	public WorkerSnapshot withoutLines() {
		return new WorkerSnapshot(this.id, this.pid, this.state, this.startedFor, this.startedAt, this.uptimeMillis,
				this.readyMillis, this.lastHeartbeat, this.heapUsedBytes, this.restarts, this.replacements,
				this.lastExit, List.of(), this.requests, this.requestsPerSecond, this.heapAfterGcBytes, this.rssBytes,
				this.recycles);
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
		LIVENESS,

		/** To recycle a process that reached a {@code cluster.recycle.*} limit. */
		RECYCLE

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
		BROKEN,

		/**
		 * It reached a {@code cluster.recycle.*} limit; it was drained once its
		 * replacement was READY ({@link Exit#reason()} says which limit).
		 */
		RECYCLED

	}

	/**
	 * A process that left its slot.
	 *
	 * @param pid its process id
	 * @param exitCode its exit status (128 + n when signal n ended it)
	 * @param cause why it left
	 * @param at when the master saw it exit
	 * @param reason what made the master replace it, when the cause does not say it all
	 * (which recycling limit), else null
	 */
	public record Exit(long pid, int exitCode, ExitCause cause, Instant at,
			@JacksonInject(value = ABSENT_REASON, useInput = OptBoolean.TRUE) @Nullable String reason) {

		public Exit {
			Objects.requireNonNull(cause, "cause");
			Objects.requireNonNull(at, "at");
		}

		public Exit(long pid, int exitCode, ExitCause cause, Instant at) {
			this(pid, exitCode, cause, at, null);
		}

	}

}
