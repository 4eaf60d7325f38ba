package dev.bootcluster.context;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

import dev.bootcluster.messaging.MessageDispatcher;
import dev.bootcluster.worker.WorkerAgent;

/**
 * Opens a worker's deliveries once its beans exist, and waits for the values retained
 * before it started: ordered before the web server starts, so a worker never serves a
 * request, nor reports READY, without them.
 */
public class ClusterMessageDelivery implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ClusterMessageDelivery.class);

	/** Before the web server's start ({@code DEFAULT_PHASE - 2048}). */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private final WorkerAgent agent;

	private final MessageDispatcher dispatcher;

	private final Duration timeout;

	private volatile boolean running;

	public ClusterMessageDelivery(WorkerAgent agent, MessageDispatcher dispatcher, Duration timeout) {
		this.agent = agent;
		this.dispatcher = dispatcher;
		this.timeout = timeout;
	}

	@Override
	public void start() {
		if (this.running) {
			return;
		}
		int retained = this.agent.startDelivery((deliver) -> this.dispatcher.deliver(deliver.sender(), deliver.topic(),
				deliver.payloadType(), deliver.payload(), deliver.retained()), this.timeout);
		if (retained < 0) {
			logger.warn("The master's retained values did not arrive within " + this.timeout.toMillis()
					+ " ms; they will be delivered when they do");
		}
		else if (retained > 0) {
			logger.info("Received " + retained + " retained value" + ((retained == 1) ? "" : "s") + " from the master");
		}
		this.running = true;
	}

	@Override
	public void stop() {
		// deliveries go on while the worker drains; the agent closes with the process
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
