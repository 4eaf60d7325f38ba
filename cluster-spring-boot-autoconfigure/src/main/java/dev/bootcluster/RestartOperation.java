package dev.bootcluster;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A rolling restart: started by {@code POST /actuator/cluster/restart} or SIGHUP, it
 * replaces the workers one by one, surge first.
 *
 * @param id operation id
 * @param state RUNNING, SUCCEEDED or FAILED
 * @param trigger what started it (an HTTP request through a worker, or a signal)
 * @param replaced workers replaced so far
 * @param total workers to replace
 * @param step what the operation is doing now, or did last
 * @param startedAt when it started
 * @param finishedAt when it ended, or null while running
 * @param reason why it failed, or null
 * @param lastLines last lines the failed replacement logged, for a failure
 */
public record RestartOperation(String id, State state, String trigger, int replaced, int total, String step,
		Instant startedAt, @Nullable Instant finishedAt, @Nullable String reason, List<String> lastLines) {

	public RestartOperation {
		Objects.requireNonNull(id, "id");
		Objects.requireNonNull(state, "state");
		Objects.requireNonNull(trigger, "trigger");
		Objects.requireNonNull(step, "step");
		Objects.requireNonNull(startedAt, "startedAt");
		lastLines = List.copyOf(lastLines);
	}

	public boolean inProgress() {
		return this.state == State.RUNNING;
	}

	/** Outcome of a rolling restart. */
	public enum State {

		RUNNING, SUCCEEDED, FAILED

	}

}
