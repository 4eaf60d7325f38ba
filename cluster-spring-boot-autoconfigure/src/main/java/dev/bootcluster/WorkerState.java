package dev.bootcluster;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Lifecycle of one worker process, with the transitions the master may make.
 */
public enum WorkerState {

	/** Process started, application not yet accepting traffic. */
	STARTING,

	/** Application reported readiness ACCEPTING_TRAFFIC with its listener bound. */
	READY,

	/** Asked to stop: refusing new traffic, finishing what it holds. */
	DRAINING,

	/** Exited because the master stopped it. */
	STOPPED,

	/** Exited on its own or was killed by someone else; a restart is scheduled. */
	CRASHED,

	/**
	 * Crashed too often within the crash-loop window, or exited as misconfigured
	 * ({@link WorkerExit#MISCONFIGURED}) before it was READY; no more restarts.
	 */
	FAILED;

	private static final Map<WorkerState, Set<WorkerState>> TRANSITIONS = Map.of(STARTING,
			EnumSet.of(READY, DRAINING, STOPPED, CRASHED), READY, EnumSet.of(DRAINING, STOPPED, CRASHED), DRAINING,
			EnumSet.of(STOPPED, CRASHED), STOPPED, EnumSet.of(STARTING), CRASHED, EnumSet.of(STARTING, FAILED, STOPPED),
			FAILED, EnumSet.of(STARTING));

	public boolean canTransitionTo(WorkerState next) {
		return TRANSITIONS.get(this).contains(next);
	}

	/** Whether a process is (or should be) running in this state. */
	public boolean isAlive() {
		return this == STARTING || this == READY || this == DRAINING;
	}

}
