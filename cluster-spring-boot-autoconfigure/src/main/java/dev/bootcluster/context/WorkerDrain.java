package dev.bootcluster.context;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;

import dev.bootcluster.ipc.Message;
import dev.bootcluster.web.ClusterListenerException;
import dev.bootcluster.web.RequestTracker;
import dev.bootcluster.web.WorkerWebServer;
import dev.bootcluster.worker.WorkerAgent;

/**
 * A worker's web servers (main and management), seen through the {@link WorkerWebServer}
 * of their kind. Once each has bound it checks it listens as the cluster needs (else the
 * worker fails to start with {@link ClusterListenerException}, which the master takes as
 * fatal), and it is how a worker leaves during a rolling restart, when the master says
 * so: readiness becomes REFUSING_TRAFFIC (liveness stays CORRECT), every listener closes
 * (new connections go to the other workers), requests in progress finish, keep-alive
 * connections are told to close, and after a quiet period the worker exits 0, all within
 * the drain timeout. The main server's request executor is where the worker's heartbeats
 * prove it can still serve.
 */
public class WorkerDrain implements ApplicationListener<WebServerInitializedEvent> {

	private static final Log logger = LogFactory.getLog(WorkerDrain.class);

	private static final long CONNECTION_POLL_MILLIS = 20;

	private final WorkerAgent agent;

	private final ApplicationContext context;

	private final RequestTracker requests;

	private final Supplier<List<WorkerWebServer>> kinds;

	private final boolean shared;

	private final List<Server> servers = new CopyOnWriteArrayList<>();

	/** Ends the worker once drained (a test's stand-in for {@code System.exit(0)}). */
	private final Runnable exit;

	/**
	 * @param kinds the server implementations registered for this worker's class path
	 * @param shared whether the main server accepts from the master's shared socket
	 */
	public WorkerDrain(WorkerAgent agent, ApplicationContext context, RequestTracker requests,
			Supplier<List<WorkerWebServer>> kinds, boolean shared) {
		this(agent, context, requests, kinds, shared, () -> System.exit(0));
	}

	WorkerDrain(WorkerAgent agent, ApplicationContext context, RequestTracker requests,
			Supplier<List<WorkerWebServer>> kinds, boolean shared, Runnable exit) {
		this.agent = agent;
		this.context = context;
		this.requests = requests;
		this.kinds = kinds;
		this.shared = shared;
		this.exit = exit;
		agent.onDrain(this::drain);
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		// the management child context's server arrives here too: events reach the parent
		WebServer server = event.getWebServer();
		WorkerWebServer kind = this.kinds.get()
			.stream()
			.filter((candidate) -> candidate.supports(server))
			.findFirst()
			.orElseThrow(() -> new ClusterListenerException(
					"The web server " + server.getClass().getName()
							+ " is not one whose port the cluster's workers can share",
					"Use one of Boot's embedded servers (Tomcat, Jetty or Reactor Netty), or run without "
							+ "cluster.workers."));
		boolean management = WebServerApplicationContext.hasServerNamespace(event.getApplicationContext(),
				"management");
		kind.verifyListener(server, this.shared && !management);
		this.servers.add(new Server(server, kind));
		if (!management) {
			Executor executor = kind.requestExecutor(server);
			if (executor != null) {
				// from now on a heartbeat says the server runs requests, not just that
				// the JVM lives
				this.agent.heartbeatProbe(executor);
			}
		}
	}

	/**
	 * Drains and exits, within {@code timeoutMillis} of the Drain's arrival: the wait for
	 * a quiet period, then the wait for keep-alive clients (at most
	 * {@code keepAliveMillis}), get what remains of it.
	 */
	void drain(Message.Drain drain) {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drain.timeoutMillis());
		logger.info("Draining: refusing traffic and closing " + this.servers.size() + " listener(s)");
		AvailabilityChangeEvent.publish(this.context, ReadinessState.REFUSING_TRAFFIC);
		this.requests.startDraining();
		this.servers.forEach(Server::closeListeners);
		int left = 0;
		try {
			left = this.requests.awaitQuiet(Duration.ofMillis(drain.quietPeriodMillis()), remaining(deadline));
			awaitConnectionsClosed(Math.min(drain.keepAliveMillis(), remaining(deadline).toMillis()));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (left > 0) {
			logger.warn("Drain timed out with " + left + " request(s) still in progress; exiting anyway");
		}
		else {
			logger.info("Drained; exiting");
		}
		this.exit.run();
	}

	/** What is left until {@code deadline}, to the nanosecond (never negative). */
	private static Duration remaining(long deadline) {
		return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
	}

	/** Waits for keep-alive clients, each told {@code Connection: close}, to close. */
	private void awaitConnectionsClosed(long millis) throws InterruptedException {
		long deadline = System.nanoTime() + millis * 1_000_000;
		while (openConnections() > 0 && System.nanoTime() < deadline) {
			Thread.sleep(CONNECTION_POLL_MILLIS);
		}
		int open = openConnections();
		if (open > 0) {
			logger.info(open + " connection(s) still open after " + millis + " ms; closing them");
		}
	}

	private int openConnections() {
		return this.servers.stream().mapToInt(Server::openConnections).sum();
	}

	private record Server(WebServer server, WorkerWebServer kind) {

		void closeListeners() {
			this.kind.closeListeners(this.server);
		}

		int openConnections() {
			return this.kind.openConnections(this.server);
		}

	}

}
