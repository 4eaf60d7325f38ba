package dev.bootcluster.master;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.Message;

/**
 * Relays cache invalidations: a worker's {@link Message.CacheInvalidate} goes to every
 * other worker with a connection as a {@link Message.CacheInvalidation}, and the sender
 * is answered once each awaited worker confirmed with {@link Message.CacheInvalidated}
 * (sent by a worker only after it dropped the entry), left, or the acknowledgement
 * timeout passed; the answer says how many confirmed.
 * <p>
 * READY and STARTING workers are awaited (a starting worker may have filled a cache
 * already, and confirms from a thread of its own, which does not wait for the application
 * to start); a READY worker that stopped heartbeating is sent the invalidation but not
 * awaited, as with broadcasts. Workers are told apart by their connection (a starting
 * worker's pid may not be known yet). Sends only queue, on the urgent lane: an
 * invalidation overtakes the deliveries queued for a worker.
 */
public final class InvalidationRelay {

	private static final Log logger = LogFactory.getLog(InvalidationRelay.class);

	private final Supplier<List<MessageHub.Recipient>> recipients;

	private final ScheduledExecutorService timeouts;

	private final Duration ackTimeout;

	private final AtomicLong ids = new AtomicLong();

	private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

	InvalidationRelay(Supplier<List<MessageHub.Recipient>> recipients, ScheduledExecutorService timeouts,
			Duration ackTimeout) {
		this.recipients = recipients;
		this.timeouts = timeouts;
		this.ackTimeout = ackTimeout;
	}

	/**
	 * Sends an invalidation to every worker but the one on {@code sender}.
	 * @return completes with the confirmations once every awaited worker confirmed, left,
	 * or the acknowledgement timeout passed
	 */
	public CompletableFuture<MessageHub.Result> invalidate(@Nullable IpcChannel sender, String cache,
			@Nullable String key) {
		long id = this.ids.incrementAndGet();
		Message.CacheInvalidation invalidation = new Message.CacheInvalidation(id, cache, key);
		List<MessageHub.Recipient> targets = new ArrayList<>();
		Set<IpcChannel> awaited = Collections.newSetFromMap(new IdentityHashMap<>());
		for (MessageHub.Recipient recipient : this.recipients.get()) {
			if (recipient.channel() != sender) {
				targets.add(recipient);
				if (recipient.ready() || recipient.starting()) {
					awaited.add(recipient.channel());
				}
			}
		}
		Pending waiting = new Pending(awaited);
		// registered before anything is sent: a confirmation may come back at once
		this.pending.put(id, waiting);
		waiting.future.whenComplete((result, ex) -> this.pending.remove(id));
		for (MessageHub.Recipient recipient : targets) {
			try {
				recipient.channel().sendUrgent(invalidation);
			}
			catch (IOException ex) {
				// closed (or closed now, having stopped reading): not awaited
				waiting.gone(recipient.channel());
			}
		}
		if (!waiting.future.isDone()) {
			try {
				ScheduledFuture<?> timeout = this.timeouts.schedule(waiting::finish, this.ackTimeout.toMillis(),
						TimeUnit.MILLISECONDS);
				waiting.future.whenComplete((result, ex) -> timeout.cancel(false));
			}
			catch (RejectedExecutionException ex) {
				// the master is stopping
				waiting.finish();
			}
		}
		return waiting.future;
	}

	/**
	 * Relays a worker's {@link Message.CacheInvalidate} and answers it when the relay is
	 * done.
	 */
	public void invalidateFrom(int workerId, IpcChannel channel, Message.CacheInvalidate request) {
		invalidate(channel, request.cache(), request.key()).thenAccept((done) -> {
			if (done.acknowledged() < done.targets()) {
				logger.warn("Cache '" + request.cache() + "' invalidated by worker-" + workerId + ": "
						+ done.acknowledged() + " of " + done.targets() + " workers confirmed within "
						+ this.ackTimeout.toMillis() + " ms");
			}
			try {
				channel.sendUrgent(
						new Message.CacheInvalidateReply(request.requestId(), done.acknowledged(), done.targets()));
			}
			catch (IOException ex) {
				logger.debug("Could not answer worker-" + workerId + ": " + ex.getMessage());
			}
		});
	}

	/** A worker confirmed an invalidation. */
	public void invalidated(IpcChannel channel, long invalidationId) {
		Pending waiting = this.pending.get(invalidationId);
		if (waiting != null) {
			waiting.confirmed(channel);
		}
	}

	/** A worker's connection closed: stop waiting for it. */
	public void disconnected(IpcChannel channel) {
		this.pending.values().forEach((waiting) -> waiting.gone(channel));
	}

	/** Answers every waiting sender with what was confirmed so far. */
	void close() {
		this.pending.values().forEach(Pending::finish);
	}

	/** Confirmations still expected for one invalidation. */
	private static final class Pending {

		private final Set<IpcChannel> awaiting;

		private final int targets;

		private int confirmed;

		final CompletableFuture<MessageHub.Result> future = new CompletableFuture<>();

		Pending(Set<IpcChannel> awaiting) {
			this.awaiting = awaiting;
			this.targets = awaiting.size();
			if (awaiting.isEmpty()) {
				finish();
			}
		}

		synchronized void confirmed(IpcChannel channel) {
			if (this.awaiting.remove(channel)) {
				this.confirmed++;
				if (this.awaiting.isEmpty()) {
					finish();
				}
			}
		}

		synchronized void gone(IpcChannel channel) {
			if (this.awaiting.remove(channel) && this.awaiting.isEmpty()) {
				finish();
			}
		}

		synchronized void finish() {
			this.future.complete(new MessageHub.Result(this.confirmed, this.targets));
		}

	}

}
