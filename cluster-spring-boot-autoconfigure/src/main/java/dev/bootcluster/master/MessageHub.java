package dev.bootcluster.master;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.MessageTooLargeException;

/**
 * The master's message relay: fans broadcasts out to the workers, keeps the latest
 * retained value of each topic and replays them to every worker that connects, counts
 * acknowledgements, and hands workers' requests to the master's {@link RequestHandler}.
 * <p>
 * Nothing here writes to a socket: every send only queues the frame on the worker's
 * {@link IpcChannel} (whose own thread writes it), so a worker that stopped reading holds
 * up neither the thread that relays another worker's publish nor the hub's lock; it is
 * disconnected once its queue is full, and not awaited from then on. Answers
 * ({@link Message.PublishReply}, {@link Message.Answer}) go urgently, ahead of the
 * deliveries queued for the worker; deliveries and {@link Message.Welcome} in order.
 * <p>
 * The hub's lock guards the retained values and makes the queuing of each delivery (and
 * of a welcome's replay) one step; it is the only lock taken here, and nothing blocks
 * while it is held. The recipients are a list the supervisor's loop publishes.
 */
public final class MessageHub implements Closeable {

	private static final Log logger = LogFactory.getLog(MessageHub.class);

	/** The sender id of the master itself. */
	public static final int MASTER = 0;

	/** Every worker ({@code target} of a broadcast). */
	public static final int ALL_WORKERS = 0;

	private final FrameCodec codec;

	private final Duration ackTimeout;

	/**
	 * Latest retained delivery of each topic, in the order topics first appeared (guarded
	 * by this).
	 */
	private final Map<String, Retained> retained = new LinkedHashMap<>();

	private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

	private final ScheduledThreadPoolExecutor timeouts;

	private final ExecutorService requests;

	private final AtomicLong deliveryIds = new AtomicLong();

	private volatile Supplier<List<Recipient>> recipients = List::of;

	private final InvalidationRelay invalidations;

	/** The longest a worker's collect waits for the answers, whatever it asks for. */
	static final Duration QUERY_MAX_WAIT = Duration.ofSeconds(60);

	private final QueryRelay queries;

	private volatile RequestHandler requestHandler = (sender, type, payload) -> new Message.Answer(0, null, null,
			"The master has no request handler");

	public MessageHub(FrameCodec codec, Duration ackTimeout) {
		this.codec = codec;
		this.ackTimeout = ackTimeout;
		this.timeouts = new ScheduledThreadPoolExecutor(1, (task) -> daemon(task, "cluster-message-timeouts"));
		// a delivery acknowledged in time cancels its timeout: drop it from the queue at
		// once
		this.timeouts.setRemoveOnCancelPolicy(true);
		this.requests = Executors.newCachedThreadPool((task) -> daemon(task, "cluster-request"));
		this.invalidations = new InvalidationRelay(() -> this.recipients.get(), this.timeouts, ackTimeout);
		this.queries = new QueryRelay(() -> this.recipients.get(), this.timeouts, QUERY_MAX_WAIT);
	}

	/** The relay of queries between workers, to the same recipients. */
	public QueryRelay queries() {
		return this.queries;
	}

	/** The relay of cache invalidations, to the same recipients. */
	public InvalidationRelay invalidations() {
		return this.invalidations;
	}

	/** Where the workers to deliver to come from (the supervisor's live workers). */
	public void recipients(Supplier<List<Recipient>> recipients) {
		this.recipients = recipients;
	}

	/**
	 * Sets what answers the workers' requests (the master context's request listeners).
	 */
	public void requestHandler(RequestHandler handler) {
		this.requestHandler = handler;
	}

	/**
	 * Delivers a payload to every worker ({@code target} {@link #ALL_WORKERS}) or to one.
	 * Workers that are READY are counted; a worker still starting gets it too (after the
	 * values retained before it connected) but is not waited for.
	 * @return completes with the acknowledgements once every counted worker acknowledged,
	 * left, or the acknowledgement timeout passed
	 * @throws MessageTooLargeException before anything is sent or retained, when the
	 * delivery frame is over the limit
	 */
	public CompletableFuture<Result> publish(int sender, int target, String topic, @Nullable String type,
			JsonNode payload, boolean retain) {
		long id = this.deliveryIds.incrementAndGet();
		// encoded before the lock (a large payload takes a while) and before anything is
		// retained (a frame over the limit throws)
		ByteBuffer frame = this.codec.encode(new Message.Deliver(id, sender, topic, type, payload, retain));
		Pending waiting;
		synchronized (this) {
			if (retain && target == ALL_WORKERS) {
				// a publish that took the lock after a newer one of the topic is not the
				// latest (the workers keep the newest id too)
				this.retained.merge(topic, new Retained(id, frame),
						(current, candidate) -> (candidate.id() > current.id()) ? candidate : current);
			}
			List<Recipient> recipients = new ArrayList<>();
			for (Recipient recipient : this.recipients.get()) {
				if (target == ALL_WORKERS || recipient.workerId() == target) {
					recipients.add(recipient);
				}
			}
			Set<Long> counted = new HashSet<>();
			for (Recipient recipient : recipients) {
				if (recipient.ready()) {
					counted.add(recipient.pid());
				}
			}
			waiting = new Pending(counted);
			if (!counted.isEmpty()) {
				this.pending.put(id, waiting);
			}
			// Queued, never written here: a send does not block, whoever reads or not.
			// Under the lock, so every worker gets the deliveries in the same order, and
			// a worker being welcomed gets a new value in the replay or after it.
			for (Recipient recipient : recipients) {
				try {
					recipient.channel().sendFrame(frame);
				}
				catch (IOException ex) {
					// closed, or closed now because it stopped reading (the channel logs
					// that): not awaited
					waiting.gone(recipient.pid());
				}
			}
		}
		if (!waiting.future.isDone()) {
			ScheduledFuture<?> timeout = this.timeouts.schedule(() -> {
				this.pending.remove(id);
				waiting.finish();
			}, this.ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
			waiting.future.whenComplete((result, ex) -> {
				this.pending.remove(id);
				timeout.cancel(false);
			});
		}
		else {
			this.pending.remove(id);
		}
		return waiting.future;
	}

	/**
	 * Relays a worker's {@link Message.Publish} and answers it when the delivery is done.
	 */
	public void publishFrom(int workerId, Message.Publish publish, IpcChannel channel) {
		CompletableFuture<Result> result;
		try {
			result = publish(workerId, publish.target(), publish.topic(), publish.payloadType(), publish.payload(),
					publish.retained());
		}
		catch (MessageTooLargeException ex) {
			reply(channel, new Message.PublishReply(publish.requestId(), 0, 0,
					"Nothing was delivered: " + ex.getMessage() + " once addressed to the workers"));
			return;
		}
		result.thenAccept((done) -> reply(channel,
				new Message.PublishReply(publish.requestId(), done.acknowledged(), done.targets(), null)));
	}

	/** A worker acknowledged a delivery. */
	public void delivered(long pid, long deliveryId) {
		Pending waiting = this.pending.get(deliveryId);
		if (waiting != null) {
			waiting.acknowledged(pid);
		}
	}

	/**
	 * Replays the retained values to a worker that just connected, then tells it they are
	 * all there ({@link Message.Welcome}).
	 */
	public synchronized void welcome(IpcChannel channel) {
		try {
			for (Retained value : this.retained.values()) {
				channel.sendFrame(value.frame());
			}
			channel.send(new Message.Welcome(this.retained.size()));
		}
		catch (IOException ex) {
			logger.debug("Could not replay the retained values: " + ex.getMessage());
		}
	}

	/** A worker left: stop waiting for its acknowledgements. */
	public void disconnected(long pid) {
		this.pending.values().forEach((waiting) -> waiting.gone(pid));
	}

	/**
	 * Answers a worker's request on a request thread (never on the worker's IPC reader).
	 */
	public void ask(int workerId, Message.Ask ask, IpcChannel channel) {
		try {
			this.requests.execute(() -> {
				Message.Answer answer;
				try {
					Message.Answer handled = this.requestHandler.handle(workerId, ask.payloadType(), ask.payload());
					answer = new Message.Answer(ask.requestId(), handled.payloadType(), handled.payload(),
							handled.error());
				}
				catch (RuntimeException ex) {
					answer = new Message.Answer(ask.requestId(), null, null,
							"The master's request listener failed: " + ex);
				}
				try {
					channel.sendUrgent(answer);
				}
				catch (MessageTooLargeException ex) {
					reply(channel, new Message.Answer(ask.requestId(), null, null,
							"The master's answer was too large: " + ex.getMessage()));
				}
				catch (IOException ex) {
					logger.debug("Could not answer worker-" + workerId + ": " + ex.getMessage());
				}
			});
		}
		catch (RejectedExecutionException ex) {
			reply(channel, new Message.Answer(ask.requestId(), null, null, "The master is stopping"));
		}
	}

	/** Topics with a retained value, in the order they first appeared. */
	public synchronized List<String> retainedTopics() {
		return List.copyOf(this.retained.keySet());
	}

	/** Sends an answer ahead of the deliveries queued for the worker. */
	private static void reply(IpcChannel channel, Message message) {
		try {
			channel.sendUrgent(message);
		}
		catch (IOException ex) {
			logger.debug("Could not answer a worker: " + ex.getMessage());
		}
	}

	@Override
	public void close() {
		this.timeouts.shutdownNow();
		this.requests.shutdownNow();
		this.pending.values().forEach(Pending::finish);
		this.invalidations.close();
		this.queries.close();
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	/**
	 * A worker the hub can deliver to.
	 *
	 * @param workerId its id
	 * @param pid its process id
	 * @param channel its IPC connection
	 * @param ready whether it is READY (counted), rather than still starting
	 * @param starting whether it is STARTING (awaited by cache invalidations only)
	 * @param queries whether it answers queries (its {@link Message.Features} said so)
	 */
	public record Recipient(int workerId, long pid, IpcChannel channel, boolean ready, boolean starting,
			boolean queries) {

		/** A recipient that is READY, or not awaited at all. */
		public Recipient(int workerId, long pid, IpcChannel channel, boolean ready) {
			this(workerId, pid, channel, ready, false);
		}

		/** A recipient of an earlier version, which answers no queries. */
		public Recipient(int workerId, long pid, IpcChannel channel, boolean ready, boolean starting) {
			this(workerId, pid, channel, ready, starting, false);
		}

	}

	/** The latest retained delivery of a topic, and its id. */
	private record Retained(long id, ByteBuffer frame) {
	}

	/**
	 * How a delivery went.
	 *
	 * @param acknowledged READY workers that acknowledged it
	 * @param targets READY workers it was addressed to
	 */
	public record Result(int acknowledged, int targets) {
	}

	/** Answers requests that workers send to the master. */
	@FunctionalInterface
	public interface RequestHandler {

		/**
		 * @param sender the asking worker's id
		 * @param type the payload's type name
		 * @param payload the payload
		 * @return the answer (its request id is filled in by the hub)
		 */
		Message.Answer handle(int sender, String type, JsonNode payload);

	}

	/** Acknowledgements still expected for one delivery. */
	private static final class Pending {

		private final Set<Long> awaiting;

		private final int targets;

		private int acknowledged;

		final CompletableFuture<Result> future = new CompletableFuture<>();

		Pending(Set<Long> awaiting) {
			this.awaiting = awaiting;
			this.targets = awaiting.size();
			if (awaiting.isEmpty()) {
				finish();
			}
		}

		synchronized void acknowledged(long pid) {
			if (this.awaiting.remove(pid)) {
				this.acknowledged++;
				if (this.awaiting.isEmpty()) {
					finish();
				}
			}
		}

		synchronized void gone(long pid) {
			if (this.awaiting.remove(pid) && this.awaiting.isEmpty()) {
				finish();
			}
		}

		synchronized void finish() {
			this.future.complete(new Result(this.acknowledged, this.targets));
		}

	}

}
