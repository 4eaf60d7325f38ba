package dev.bootcluster.logging;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.event.EventListener;

/**
 * Applies in this worker the logger levels set in any worker (its own included, which is
 * harmless): those broadcast now and, for a worker that starts later, those the master
 * retained, which arrive before it serves.
 */
public class ClusterLogLevels {

	private static final Log logger = LogFactory.getLog(ClusterLogLevels.class);

	private final LoggingSystem loggingSystem;

	public ClusterLogLevels(LoggingSystem loggingSystem) {
		this.loggingSystem = loggingSystem;
	}

	@EventListener
	void apply(ClusterLogLevel change) {
		this.loggingSystem.setLogLevel(change.logger(), change.level());
		logger.debug("Logger " + change.logger() + " set to " + change.level() + " for the cluster");
	}

}
