package dev.bootcluster.context;

import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationListener;

import dev.bootcluster.worker.WorkerAgent;

/**
 * Tells the master a worker is READY when the application reports
 * {@link ReadinessState#ACCEPTING_TRAFFIC}, which Boot publishes once the web server has
 * started (listener bound) and the runners have run; and that its liveness is
 * {@link LivenessState#BROKEN} (the master then replaces it), or
 * {@link LivenessState#CORRECT} again after that.
 */
public class WorkerReadinessBridge implements ApplicationListener<AvailabilityChangeEvent<?>> {

	private final WorkerAgent agent;

	private final AtomicBoolean broken = new AtomicBoolean();

	public WorkerReadinessBridge(WorkerAgent agent) {
		this.agent = agent;
	}

	@Override
	public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
		Object state = event.getState();
		if (state == ReadinessState.ACCEPTING_TRAFFIC) {
			this.agent.ready();
		}
		else if (state == LivenessState.BROKEN) {
			this.broken.set(true);
			this.agent.liveness(true);
		}
		else if (state == LivenessState.CORRECT && this.broken.getAndSet(false)) {
			// Boot's CORRECT at start says nothing new
			this.agent.liveness(false);
		}
	}

}
