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
 * @param state where it is, or how it ended
 * @param trigger what started it (an HTTP request through a worker, or a signal)
 * @param replaced workers replaced so far
 * @param total workers to replace
 * @param step what the operation is doing now, or did last
 * @param startedAt when it started
 * @param finishedAt when it ended, or null while running
 * @param reason why it was rolled back, failed or was aborted, or null
 * @param lastLines last lines the failing replacement logged, when one failed
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
		return this.state == State.RUNNING || this.state == State.ROLLING_BACK;
	}

	/** Progress and outcome of a rolling restart. */
	public enum State {

		/** Replacing the workers with the new build. */
		RUNNING,

		/**
		 * A replacement failed; the workers already on the new build are being replaced
		 * from the previous one.
		 */
		ROLLING_BACK,

		/** Every worker runs the new build. */
		SUCCEEDED,

		/** A replacement failed and every worker runs the previous build again. */
		ROLLED_BACK,

		/** The rollback itself failed: some workers may still run the new build. */
		FAILED,

		/** The cluster stopped (SIGTERM, SIGINT) before the rollout ended. */
		ABORTED

	}

}
