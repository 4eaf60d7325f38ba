package dev.bootcluster.actuate;

import java.time.Duration;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;

/**
 * {@link ClusterOperations} answering whatever the test says.
 */
final class StubClusterOperations implements ClusterOperations {

	private final ClusterRole role;

	private final int workerId;

	private final Supplier<ClusterSnapshot> status;

	private final @Nullable ClusterSnapshot lastKnown;

	private Function<String, RestartOutcome> restart = (trigger) -> {
		throw new AssertionError("restart was not expected");
	};

	private @Nullable String lastTrigger;

	private java.util.function.@Nullable IntFunction<ScaleOutcome> scale;

	private Duration lastKnownAge = Duration.ZERO;

	StubClusterOperations(ClusterRole role, int workerId, Supplier<ClusterSnapshot> status,
			@Nullable ClusterSnapshot lastKnown) {
		this.role = role;
		this.workerId = workerId;
		this.status = status;
		this.lastKnown = lastKnown;
	}

	static StubClusterOperations returning(ClusterSnapshot snapshot) {
		return new StubClusterOperations(ClusterRole.WORKER, 2, () -> snapshot, snapshot);
	}

	StubClusterOperations onScale(IntFunction<ScaleOutcome> scale) {
		this.scale = scale;
		return this;
	}

	StubClusterOperations onRestart(Function<String, RestartOutcome> restart) {
		this.restart = restart;
		return this;
	}

	/** How old the last known status is (while there is one); zero unless set. */
	StubClusterOperations lastKnownAge(Duration age) {
		this.lastKnownAge = age;
		return this;
	}

	@Nullable String lastTrigger() {
		return this.lastTrigger;
	}

	@Override
	public ClusterSnapshot status() {
		return this.status.get();
	}

	@Override
	public @Nullable ClusterSnapshot lastKnownStatus() {
		return this.lastKnown;
	}

	@Override
	public @Nullable Duration lastKnownStatusAge() {
		return (this.lastKnown != null) ? this.lastKnownAge : null;
	}

	@Override
	public RestartOutcome restart(String trigger) {
		this.lastTrigger = trigger;
		return this.restart.apply(trigger);
	}

	@Override
	public ScaleOutcome scale(int workers, String trigger) {
		if (this.scale == null) {
			return ClusterOperations.super.scale(workers, trigger);
		}
		this.lastTrigger = trigger;
		return this.scale.apply(workers);
	}

	@Override
	public ClusterRole role() {
		return this.role;
	}

	@Override
	public int workerId() {
		return this.workerId;
	}

}
