package dev.bootcluster.worker;

import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.IpcException;
import dev.bootcluster.ipc.Message;

/**
 * A worker's connection to its master, opened as early as possible. A daemon thread blocks on it:
 * when the master dies (even by {@code kill -9}) the read sees end-of-file and the worker halts at
 * once, so workers never outlive their master.
 */
public final class WorkerAgent implements Closeable {

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	/** Exit status of a worker whose master went away. */
	public static final int ORPHANED_EXIT_STATUS = 3;

	private final WorkerEnvironment environment;

	private final IpcChannel channel;

	private final ScheduledExecutorService heartbeats;

	private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();

	private volatile @Nullable Consumer<Message.Drain> drainHandler;

	/** Runs deliveries in the order they arrived, off the reader thread. */
	private final ExecutorService deliveries;

	/** Opened once the application can take deliveries (its context is refreshed). */
	private final CountDownLatch deliveryOpen = new CountDownLatch(1);

	private volatile @Nullable Consumer<Message.Deliver> deliveryHandler;

	/** Completes once the values retained before this worker connected are delivered. */
	private final CompletableFuture<Integer> retainedDelivered = new CompletableFuture<>();

	/** Newest delivery id seen per retained topic, so a replayed value never overrides a newer one. */
	private final Map<String, Long> retainedSeen = new ConcurrentHashMap<>();

	private final AtomicLong requestIds = new AtomicLong();

	private volatile @Nullable ClusterSnapshot latest;

	private volatile boolean closed;

	private WorkerAgent(WorkerEnvironment environment, IpcChannel channel) {
		this.environment = environment;
		this.channel = channel;
		this.heartbeats = Executors.newSingleThreadScheduledExecutor((task) -> daemon(task, "cluster-heartbeat"));
		this.deliveries = Executors.newSingleThreadExecutor((task) -> daemon(task, "cluster-messages"));
	}

	/**
	 * Connects to the master, presents the token and starts the reader and heartbeat threads.
	 * @throws IOException if the master cannot be reached
	 */
	public static WorkerAgent connect(WorkerEnvironment environment) throws IOException {
		IpcChannel channel = IpcChannel.connect(environment.socket(), new FrameCodec(environment.maxMessageSize()));
		WorkerAgent agent = new WorkerAgent(environment, channel);
		channel.send(new Message.Hello(environment.workerId(), ProcessHandle.current().pid(), environment.token()));
		daemon(agent::readLoop, "cluster-master-link").start();
		agent.heartbeats.scheduleWithFixedDelay(agent::heartbeat, 0, environment.heartbeatMillis(),
				TimeUnit.MILLISECONDS);
		return agent;
	}

	public int workerId() {
		return this.environment.workerId();
	}

	public WorkerEnvironment environment() {
		return this.environment;
	}

	/** Tells the master this worker accepts traffic. */
	public void ready() {
		send(new Message.Ready(workerId()));
	}

	/** Asks the master for its view of the cluster. */
	public ClusterSnapshot status(Duration timeout) {
		return request(Message.StatusRequest::new, Message.StatusReply.class, timeout).snapshot();
	}

	/** Asks the master to start a rolling restart. */
	public Message.RestartReply requestRestart(String trigger, Duration timeout) {
		return request((id) -> new Message.RestartRequest(id, trigger), Message.RestartReply.class, timeout);
	}

	/** Sets what to do when the master asks this worker to drain. */
	public void onDrain(Consumer<Message.Drain> handler) {
		this.drainHandler = handler;
	}

	/**
	 * Asks the master to deliver a payload to every worker ({@code target} 0) or to one.
	 * @throws dev.bootcluster.ipc.MessageTooLargeException before sending, if over the limit
	 */
	public Message.PublishReply publish(int target, String topic, @Nullable String type, JsonNode payload,
			boolean retained, Duration timeout) {
		return request((id) -> new Message.Publish(id, target, topic, type, payload, retained),
				Message.PublishReply.class, timeout);
	}



	/** Asks the master a question its request listeners answer. */
	public Message.Answer ask(String type, JsonNode payload, Duration timeout) {
		return request((id) -> new Message.Ask(id, type, payload), Message.Answer.class, timeout);
	}

	/**
	 * Starts handing deliveries to {@code handler} (those that arrived before included, in order)
	 * and waits until the values retained before this worker connected have been handled.
	 * @return the number of retained values replayed, or -1 if they did not all arrive in time
	 */
	public int startDelivery(Consumer<Message.Deliver> handler, Duration timeout) {
		this.deliveryHandler = handler;
		this.deliveryOpen.countDown();
		try {
			return this.retainedDelivered.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException | ExecutionException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

	private void deliver(Message.Deliver deliver) {
		try {
			this.deliveryOpen.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return;
		}
		boolean stale = deliver.retained() && this.retainedSeen.merge(deliver.topic(), deliver.deliveryId(),
				Math::max) != deliver.deliveryId();
		Consumer<Message.Deliver> handler = this.deliveryHandler;
		if (!stale && handler != null) {
			try {
				handler.accept(deliver);
			}
			catch (RuntimeException ex) {
				logger.error("A listener of cluster topic '" + deliver.topic() + "' failed", ex);
			}
		}
	}

	private <R extends Message> R request(LongFunction<Message> request, Class<R> replyType, Duration timeout) {
		long id = this.requestIds.incrementAndGet();
		CompletableFuture<Message> reply = new CompletableFuture<>();
		this.pending.put(id, reply);
		try {
			send(request.apply(id));
			return replyType.cast(reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
		}
		catch (TimeoutException ex) {
			throw new IpcException("The master did not answer within " + timeout.toMillis() + " ms");
		}
		catch (ExecutionException ex) {
			throw new IpcException("Request failed: " + ex.getCause().getMessage(), ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IpcException("Interrupted while waiting for the master");
		}
		finally {
			this.pending.remove(id);
		}
	}

	private void complete(long requestId, Message reply) {
		CompletableFuture<Message> waiting = this.pending.get(requestId);
		if (waiting != null) {
			waiting.complete(reply);
		}
	}

	/** The status the master pushed last (after each heartbeat), if any. */
	public @Nullable ClusterSnapshot latestStatus() {
		return this.latest;
	}

	private void send(Message message) {
		try {
			this.channel.send(message);
		}
		catch (IOException ex) {
			throw new IpcException("Cannot reach the master: " + ex.getMessage(), ex);
		}
	}

	private void heartbeat() {
		try {
			long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
			this.channel.send(new Message.Heartbeat(workerId(), heap));
		}
		catch (IOException | RuntimeException ex) {
			// the reader thread notices a broken link
		}
	}

	private void readLoop() {
		String reason = "the master closed the connection";
		try {
			Message message;
			while ((message = this.channel.receive()) != null) {
				if (message instanceof Message.StatusReply reply) {
					this.latest = reply.snapshot();
					complete(reply.requestId(), reply);
				}
				else if (message instanceof Message.RestartReply reply) {
					complete(reply.requestId(), reply);
				}
				else if (message instanceof Message.Drain drain) {
					drain(drain);
				}
				else if (message instanceof Message.Deliver deliver) {
					// acknowledged on receipt: a listener that broadcasts must not wait for other
					// workers' listeners (which may be waiting for it)
					this.channel.send(new Message.Delivered(deliver.deliveryId()));
					this.deliveries.execute(() -> deliver(deliver));
				}
				else if (message instanceof Message.Welcome welcome) {
					// queued behind the replayed values: completes once they are delivered
					this.deliveries.execute(() -> this.retainedDelivered.complete(welcome.retained()));
				}
				else if (message instanceof Message.PublishReply reply) {
					complete(reply.requestId(), reply);
				}
				else if (message instanceof Message.Answer answer) {
					complete(answer.requestId(), answer);
				}
				else {
					logger.warn("Ignoring unexpected " + message.getClass().getSimpleName() + " from the master");
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			reason = ex.getMessage();
		}
		if (!this.closed) {
			// No graceful shutdown: the master is gone, and a worker must not outlive it.
			System.err.println("Cluster master (pid " + this.environment.masterPid() + ") is gone (" + reason
					+ "); worker-" + workerId() + " exits now");
			System.err.flush();
			Runtime.getRuntime().halt(ORPHANED_EXIT_STATUS);
		}
	}

	private void drain(Message.Drain drain) {
		Consumer<Message.Drain> handler = this.drainHandler;
		if (handler == null) {
			logger.warn("Asked to drain before the application is ready to; exiting");
			System.exit(0);
			return;
		}
		// off the reader thread: it must keep watching the link to the master
		Thread thread = new Thread(() -> handler.accept(drain), "cluster-drain");
		thread.start();
	}

	@Override
	public void close() {
		this.closed = true;
		this.heartbeats.shutdownNow();
		this.deliveries.shutdownNow();
		this.channel.close();
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

}
