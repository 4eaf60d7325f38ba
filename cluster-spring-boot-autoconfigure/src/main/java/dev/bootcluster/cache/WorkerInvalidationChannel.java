package dev.bootcluster.cache;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ipc.IpcException;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.worker.WorkerAgent;

/**
 * A worker's {@link InvalidationChannel}: one request to the master, which relays it to
 * every other worker and answers once they confirmed, or after
 * {@code cluster.ipc.request-timeout}. A worker that did not confirm in time, or a master
 * that did not answer, is logged as a warning (that worker may serve the old entry until
 * it is evicted there) and the write returns: a cache write never fails, nor hangs, for
 * want of an acknowledgement.
 */
public final class WorkerInvalidationChannel implements InvalidationChannel {

	private static final Log logger = LogFactory.getLog(WorkerInvalidationChannel.class);

	/** Beyond the master's own wait, so that its partial answer normally comes first. */
	private static final Duration MARGIN = Duration.ofMillis(500);

	private final WorkerAgent agent;

	private final Duration timeout;

	public WorkerInvalidationChannel(WorkerAgent agent, Duration requestTimeout) {
		this.agent = agent;
		this.timeout = requestTimeout.plus(MARGIN);
	}

	@Override
	public void invalidate(String cache, @Nullable String key) {
		try {
			Message.CacheInvalidateReply reply = this.agent.invalidateCache(cache, key, this.timeout);
			if (reply.acknowledged() < reply.targets()) {
				logger.warn("Invalidating " + what(cache, key) + ": " + reply.acknowledged() + " of " + reply.targets()
						+ " other workers confirmed in time; the others may serve the old entry");
			}
		}
		catch (IpcException ex) {
			logger.warn("Invalidating " + what(cache, key) + " on the other workers failed: " + ex.getMessage());
		}
	}

	private static String what(String cache, @Nullable String key) {
		return (key != null) ? "a key of cache '" + cache + "'" : "cache '" + cache + "'";
	}

}
