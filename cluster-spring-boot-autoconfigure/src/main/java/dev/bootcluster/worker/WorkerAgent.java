package dev.bootcluster.worker;

import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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

	private final AtomicLong requestIds = new AtomicLong();

	private volatile @Nullable ClusterSnapshot latest;

	private volatile boolean closed;

	private WorkerAgent(WorkerEnvironment environment, IpcChannel channel) {
		this.environment = environment;
		this.channel = channel;
		this.heartbeats = Executors.newSingleThreadScheduledExecutor((task) -> daemon(task, "cluster-heartbeat"));
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
		this.channel.close();
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

}
