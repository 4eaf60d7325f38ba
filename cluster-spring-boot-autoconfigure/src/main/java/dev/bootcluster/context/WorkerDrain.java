package dev.bootcluster.context;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;

import dev.bootcluster.ipc.Message;
import dev.bootcluster.web.InFlightRequests;
import dev.bootcluster.web.TomcatDrain;
import dev.bootcluster.worker.WorkerAgent;

/**
 * How a worker leaves during a rolling restart, when the master says so: readiness becomes
 * REFUSING_TRAFFIC (liveness stays CORRECT), every listener closes (the kernel sends new
 * connections to the other workers), requests in progress finish, keep-alive connections are
 * told to close, and after a quiet period the worker exits 0.
 */
public class WorkerDrain implements ApplicationListener<WebServerInitializedEvent> {

	private static final Log logger = LogFactory.getLog(WorkerDrain.class);

	private final ApplicationContext context;

	private final @Nullable InFlightRequests inFlight;

	private final List<WebServer> servers = new CopyOnWriteArrayList<>();

	public WorkerDrain(WorkerAgent agent, ApplicationContext context, @Nullable InFlightRequests inFlight) {
		this.context = context;
		this.inFlight = inFlight;
		agent.onDrain(this::drain);
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		// the management child context's server arrives here too: events reach the parent
		this.servers.add(event.getWebServer());
	}

	void drain(Message.Drain drain) {
		logger.info("Draining: refusing traffic and closing " + this.servers.size() + " listener(s)");
		AvailabilityChangeEvent.publish(this.context, ReadinessState.REFUSING_TRAFFIC);
		if (this.inFlight != null) {
			this.inFlight.startDraining();
		}
		this.servers.forEach(TomcatDrain::closeListeners);
		int left = 0;
		if (this.inFlight != null) {
			try {
				left = this.inFlight.awaitQuiet(Duration.ofMillis(drain.quietPeriodMillis()),
						Duration.ofMillis(drain.timeoutMillis()));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		long keepAlive = Math.min(drain.keepAliveMillis(), drain.timeoutMillis());
		for (WebServer server : this.servers) {
			TomcatDrain.awaitConnectionsClose(server, keepAlive);
		}
		if (left > 0) {
			logger.warn("Drain timed out with " + left + " request(s) still in progress; exiting anyway");
		}
		else {
			logger.info("Drained; exiting");
		}
		System.exit(0);
	}

}
