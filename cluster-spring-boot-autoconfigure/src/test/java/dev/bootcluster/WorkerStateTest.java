package dev.bootcluster;

import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.bootcluster.WorkerState.BROKEN;
import static dev.bootcluster.WorkerState.CRASHED;
import static dev.bootcluster.WorkerState.DRAINING;
import static dev.bootcluster.WorkerState.FAILED;
import static dev.bootcluster.WorkerState.HUNG;
import static dev.bootcluster.WorkerState.READY;
import static dev.bootcluster.WorkerState.STARTING;
import static dev.bootcluster.WorkerState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link WorkerState}.
 */
class WorkerStateTest {

	@Test
	void startingBecomesReady() {
		assertThat(STARTING.canTransitionTo(READY)).isTrue();
	}

	@Test
	void readyNeverGoesBackToStarting() {
		assertThat(READY.canTransitionTo(STARTING)).isFalse();
	}

	@Test
	void crashedBecomesFailedWhenTheBreakerTrips() {
		assertThat(CRASHED.canTransitionTo(FAILED)).isTrue();
	}

	@Test
	void failedNeverBecomesReadyDirectly() {
		assertThat(FAILED.canTransitionTo(READY)).isFalse();
	}

	@Test
	void stoppedIsNeverCrashed() {
		assertThat(STOPPED.canTransitionTo(CRASHED)).isFalse();
	}

	@Test
	void transitionTable() {
		assertTransitions(STARTING, READY, DRAINING, STOPPED, CRASHED);
		assertTransitions(READY, HUNG, BROKEN, DRAINING, STOPPED, CRASHED);
		assertTransitions(HUNG, DRAINING, STOPPED, CRASHED);
		assertTransitions(BROKEN, HUNG, DRAINING, STOPPED, CRASHED);
		assertTransitions(DRAINING, HUNG, STOPPED, CRASHED);
		// a process that left is never started again: its slot gets a new one
		assertTransitions(STOPPED);
		assertTransitions(CRASHED, FAILED);
		assertTransitions(FAILED);
	}

	@ParameterizedTest
	@EnumSource(WorkerState.class)
	void noStateTransitionsToItself(WorkerState state) {
		assertThat(state.canTransitionTo(state)).isFalse();
	}

	@ParameterizedTest
	@EnumSource(WorkerState.class)
	void onlyAliveStatesCanCrashAndOnlyCrashedCanFail(WorkerState state) {
		assertThat(state.canTransitionTo(CRASHED)).isEqualTo(state.isAlive());
		assertThat(state.canTransitionTo(FAILED)).isEqualTo(state == CRASHED);
	}

	@Test
	void aliveStates() {
		Set<WorkerState> alive = EnumSet.noneOf(WorkerState.class);
		for (WorkerState state : WorkerState.values()) {
			if (state.isAlive()) {
				alive.add(state);
			}
		}
		assertThat(alive).containsExactlyInAnyOrder(STARTING, READY, HUNG, BROKEN, DRAINING);
	}

	private static void assertTransitions(WorkerState from, WorkerState... allowed) {
		Set<WorkerState> expected = EnumSet.noneOf(WorkerState.class);
		expected.addAll(Set.of(allowed));
		for (WorkerState to : WorkerState.values()) {
			assertThat(from.canTransitionTo(to)).as("%s -> %s", from, to).isEqualTo(expected.contains(to));
		}
	}

}
