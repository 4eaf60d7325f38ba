package dev.bootcluster;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Lifecycle of one worker process, with the transitions the master may make.
 */
public enum WorkerState {

	/** Process started (or being started), application not yet accepting traffic. */
	STARTING,

	/** Application reported readiness ACCEPTING_TRAFFIC with its listener bound. */
	READY,

	/**
	 * No heartbeat for {@code cluster.worker.heartbeat-timeout}: the worker cannot serve.
	 * The master takes a thread dump, starts a replacement and kills it once the
	 * replacement is READY.
	 */
	HUNG,

	/**
	 * The application reported {@code LivenessState.BROKEN}: the master starts a
	 * replacement and drains it once the replacement is READY.
	 */
	BROKEN,

	/** Asked to stop: refusing new traffic, finishing what it holds. */
	DRAINING,

	/** Exited because the master stopped it (or replaced it). */
	STOPPED,

	/**
	 * Exited on its own, was killed by someone else than the master, or was killed by the
	 * master because it hung; a restart is scheduled unless the slot fails.
	 */
	CRASHED,

	/**
	 * Crashed (or hung) too often within the crash-loop window, or exited as
	 * misconfigured ({@link WorkerExit#MISCONFIGURED}) before it was READY; no more
	 * restarts.
	 */
	FAILED;

	/**
	 * The transitions of one worker process. A process that left (STOPPED, CRASHED) is
	 * not started again: its slot gets a new process, in STARTING. CRASHED becomes FAILED
	 * when the master gives the slot up.
	 */
	private static final Map<WorkerState, Set<WorkerState>> TRANSITIONS = Map.of(STARTING,
			EnumSet.of(READY, DRAINING, STOPPED, CRASHED), READY, EnumSet.of(HUNG, BROKEN, DRAINING, STOPPED, CRASHED),
			HUNG, EnumSet.of(DRAINING, STOPPED, CRASHED), BROKEN, EnumSet.of(HUNG, DRAINING, STOPPED, CRASHED),
			DRAINING, EnumSet.of(HUNG, STOPPED, CRASHED), STOPPED, EnumSet.noneOf(WorkerState.class), CRASHED,
			EnumSet.of(FAILED), FAILED, EnumSet.noneOf(WorkerState.class));

	public boolean canTransitionTo(WorkerState next) {
		return TRANSITIONS.get(this).contains(next);
	}

	/** Whether a process is (or should be) running in this state. */
	public boolean isAlive() {
		return this == STARTING || this == READY || this == HUNG || this == BROKEN || this == DRAINING;
	}

}
