package dev.bootcluster.sample.sessions;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.EventListener;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;
import org.springframework.stereotype.Component;

/**
 * Logs Spring Session's events, as an application that audits sessions would listen to
 * them: created and deleted in the worker that did it, expired once, in one worker, when
 * the master expires a session.
 */
@Component
class SessionEvents {

	private static final Log logger = LogFactory.getLog(SessionEvents.class);

	private final String workerId;

	SessionEvents(@Value("${cluster.internal.worker-id:0}") String workerId) {
		this.workerId = workerId;
	}

	@EventListener
	void created(SessionCreatedEvent event) {
		logger.debug("Session " + event.getSessionId() + " created in worker-" + this.workerId);
	}

	@EventListener
	void deleted(SessionDeletedEvent event) {
		logger.info("Session " + event.getSessionId() + " deleted in worker-" + this.workerId);
	}

	@EventListener
	void expired(SessionExpiredEvent event) {
		logger.info("Session " + event.getSessionId() + " expired (told worker-" + this.workerId + ")");
	}

}
