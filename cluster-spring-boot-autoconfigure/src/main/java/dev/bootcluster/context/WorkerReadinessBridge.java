package dev.bootcluster.context;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationListener;

import dev.bootcluster.worker.WorkerAgent;

/**
 * Tells the master a worker is READY when the application reports
 * {@link ReadinessState#ACCEPTING_TRAFFIC}, which Boot publishes once the web server has
 * started (listener bound) and the runners have run.
 */
public class WorkerReadinessBridge implements ApplicationListener<AvailabilityChangeEvent<?>> {

	private final WorkerAgent agent;

	public WorkerReadinessBridge(WorkerAgent agent) {
		this.agent = agent;
	}

	@Override
	public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
		if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC) {
			this.agent.ready();
		}
	}

}
