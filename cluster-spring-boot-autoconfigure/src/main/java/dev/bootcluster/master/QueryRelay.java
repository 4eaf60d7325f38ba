package dev.bootcluster.master;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
import tools.jackson.databind.JsonNode;

import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.MessageTooLargeException;

/**
 * Puts a worker's {@link Message.Collect} to workers as {@link Message.Query} frames and
 * answers it with their {@link Message.QueryResult}s in one {@link Message.Collected}:
 * every READY worker (target 0) or the READY worker of one slot, waiting at most the
 * collect's timeout (bounded by {@link #maxWait}) for their answers. Workers that did not
 * answer in time, were silent (no heartbeats), or are of a version without queries are
 * the answer's missing slots, never waited for.
 * <p>
 * A {@link PartHandler} registered for a query sees each result on its way, with the slot
 * and process it came from (the cluster-wide metrics keep each process's last scrape and
 * add what the slot's earlier processes counted). Sends only queue, on the urgent lane.
 */
public final class QueryRelay {

	private static final Log logger = LogFactory.getLog(QueryRelay.class);

	private final Supplier<List<MessageHub.Recipient>> recipients;

	private final ScheduledExecutorService timeouts;

	private final Duration maxWait;

	private final AtomicLong ids = new AtomicLong();

	private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

	private final Map<String, PartHandler> handlers = new ConcurrentHashMap<>();

	QueryRelay(Supplier<List<MessageHub.Recipient>> recipients, ScheduledExecutorService timeouts, Duration maxWait) {
		this.recipients = recipients;
		this.timeouts = timeouts;
		this.maxWait = maxWait;
	}

	/** Has {@code handler} see (and may replace) every result of {@code query}. */
	public void handler(String query, PartHandler handler) {
		this.handlers.put(query, handler);
	}

	/**
	 * Puts a query to every READY worker ({@code target} 0) or to one slot's.
	 * @return completes with the answers once every asked worker answered, left, or the
	 * wait ended
	 */
	public CompletableFuture<Message.Collected> collect(int target, String query, JsonNode args, Duration wait) {
		long id = this.ids.incrementAndGet();
		List<MessageHub.Recipient> asked = new ArrayList<>();
		List<Integer> missing = new ArrayList<>();
		for (MessageHub.Recipient recipient : this.recipients.get()) {
			if ((target != 0 && recipient.workerId() != target) || recipient.starting()) {
				continue;
			}
			if (recipient.ready() && recipient.queries()) {
				asked.add(recipient);
			}
			else {
				missing.add(recipient.workerId());
			}
		}
		if (target != 0 && asked.isEmpty() && missing.isEmpty()) {
			return CompletableFuture.completedFuture(new Message.Collected(0, List.of(), List.of(),
					"worker-" + target + " is not READY (no such slot, or it is starting or stopping)"));
		}
		Pending waiting = new Pending(asked, missing, this.handlers.get(query), target == 0);
		this.pending.put(id, waiting);
		waiting.future.whenComplete((result, ex) -> this.pending.remove(id));
		Message.Query message = new Message.Query(id, query, args);
		for (MessageHub.Recipient recipient : asked) {
			try {
				recipient.channel().sendUrgent(message);
			}
			catch (IOException ex) {
				waiting.gone(recipient.channel());
			}
		}
		if (!waiting.future.isDone()) {
			long millis = Math.max(1, Math.min(wait.toMillis(), this.maxWait.toMillis()));
			try {
				ScheduledFuture<?> timeout = this.timeouts.schedule(waiting::finish, millis, TimeUnit.MILLISECONDS);
				waiting.future.whenComplete((result, ex) -> timeout.cancel(false));
			}
			catch (RejectedExecutionException ex) {
				// the master is stopping
				waiting.finish();
			}
		}
		return waiting.future;
	}

	/** Relays a worker's {@link Message.Collect} and answers it when the parts are in. */
	public void collectFrom(int workerId, IpcChannel channel, Message.Collect request) {
		collect(request.target(), request.query(), request.args(), Duration.ofMillis(request.timeoutMillis()))
			.thenAccept((collected) -> {
				Message.Collected reply = new Message.Collected(request.requestId(), collected.parts(),
						collected.missing(), collected.error());
				try {
					try {
						channel.sendUrgent(reply);
					}
					catch (MessageTooLargeException ex) {
						channel.sendUrgent(new Message.Collected(request.requestId(), List.of(), collected.missing(),
								"The answers to query '" + request.query() + "' of " + collected.parts().size()
										+ " workers are over cluster.ipc.max-message-size: " + ex.getMessage()));
					}
				}
				catch (IOException ex) {
					logger.debug("Could not answer worker-" + workerId + ": " + ex.getMessage());
				}
			});
	}

	/** A worker answered a query. */
	public void result(IpcChannel channel, Message.QueryResult result) {
		Pending waiting = this.pending.get(result.queryId());
		if (waiting != null) {
			waiting.answered(channel, result);
		}
	}

	/** A worker's connection closed: stop waiting for it. */
	public void disconnected(IpcChannel channel) {
		this.pending.values().forEach((waiting) -> waiting.gone(channel));
	}

	/** Answers every waiting collect with what arrived so far. */
	void close() {
		this.pending.values().forEach(Pending::finish);
	}

	/**
	 * A worker process is gone (its slot may get a new one): every handler hears of it.
	 */
	void processGone(int workerId, long pid) {
		this.handlers.values().forEach((handler) -> handler.processGone(workerId, pid));
	}

	/** Sees each result of one query on its way to the asking worker. */
	public interface PartHandler {

		/**
		 * @param workerId the slot that answered
		 * @param pid its process
		 * @param result what it answered
		 * @return what to answer the asking worker with
		 */
		JsonNode handle(int workerId, long pid, JsonNode result);

		/**
		 * A worker process left its slot.
		 * @param workerId the slot
		 * @param pid the process
		 */
		default void processGone(int workerId, long pid) {
		}

		/**
		 * What to answer for slots that had no process to ask (one is starting, or
		 * waiting to be restarted), when every slot was asked.
		 * @param answered the slots that answered or were waited for in vain
		 * @return a result for each other slot that has one, by slot
		 */
		default Map<Integer, JsonNode> withoutProcess(Set<Integer> answered) {
			return Map.of();
		}

	}

	/** Answers still expected for one collect. */
	private static final class Pending {

		/** The asked workers, by channel, until they answer or leave. */
		private final Map<IpcChannel, MessageHub.Recipient> awaiting = new IdentityHashMap<>();

		/** The answers, by slot. */
		private final Map<Integer, Message.Part> parts = new TreeMap<>();

		private final List<Integer> missing;

		private final @Nullable PartHandler handler;

		/** Whether every slot was asked (not one), so the handler may add slots. */
		private final boolean everySlot;

		final CompletableFuture<Message.Collected> future = new CompletableFuture<>();

		Pending(List<MessageHub.Recipient> asked, List<Integer> missing, @Nullable PartHandler handler,
				boolean everySlot) {
			asked.forEach((recipient) -> this.awaiting.put(recipient.channel(), recipient));
			this.missing = new ArrayList<>(missing);
			this.handler = handler;
			this.everySlot = everySlot;
			if (asked.isEmpty()) {
				finish();
			}
		}

		synchronized void answered(IpcChannel channel, Message.QueryResult result) {
			MessageHub.Recipient recipient = this.awaiting.remove(channel);
			if (recipient == null) {
				return;
			}
			JsonNode value = result.result();
			String error = result.error();
			if (value != null && this.handler != null) {
				try {
					value = this.handler.handle(recipient.workerId(), recipient.pid(), value);
				}
				catch (RuntimeException ex) {
					value = null;
					error = "The master could not read the answer: " + ex.getMessage();
				}
			}
			this.parts.put(recipient.workerId(), new Message.Part(recipient.workerId(), recipient.pid(), value, error));
			if (this.awaiting.isEmpty()) {
				finish();
			}
		}

		synchronized void gone(IpcChannel channel) {
			MessageHub.Recipient recipient = this.awaiting.remove(channel);
			if (recipient != null) {
				this.missing.add(recipient.workerId());
				if (this.awaiting.isEmpty()) {
					finish();
				}
			}
		}

		synchronized void finish() {
			if (this.future.isDone()) {
				return;
			}
			List<Integer> late = new ArrayList<>(this.missing);
			this.awaiting.values().forEach((recipient) -> late.add(recipient.workerId()));
			late.sort(null);
			if (this.handler != null && this.everySlot) {
				Set<Integer> known = new HashSet<>(this.parts.keySet());
				known.addAll(late);
				this.handler.withoutProcess(known)
					.forEach((slot, result) -> this.parts.putIfAbsent(slot, new Message.Part(slot, -1, result, null)));
			}
			this.future.complete(new Message.Collected(0, List.copyOf(this.parts.values()), late, null));
		}

	}

}
