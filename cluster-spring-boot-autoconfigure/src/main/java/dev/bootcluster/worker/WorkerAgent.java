package dev.bootcluster.worker;

import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
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
import dev.bootcluster.ipc.MessageTooLargeException;

/**
 * A worker's connection to its master, opened as early as possible. A daemon thread
 * blocks on it: when the master dies (even by {@code kill -9}) the read sees end-of-file
 * and the worker halts at once, so workers never outlive their master.
 * <p>
 * Deliveries run in the order they arrived, one at a time, on the thread that read them
 * (no hand-off to another thread: on a busy machine that wake-up was a good part of a
 * delivery's cost). Reading does not wait for listeners, though: a listener that asks the
 * master something (and so waits for a reply only the reader can read) makes its thread
 * hand the reading over to a standby thread (started when none waits) at once, one still
 * running after {@link #SLOW_DELIVERY} (checked as often) at the next check; the first
 * thread then runs the deliveries that queued meanwhile and stands by.
 * <p>
 * No caller writes to the master itself: every send only queues the frame on the
 * {@link IpcChannel}, whose writer thread writes it. A channel closes when a thread doing
 * I/O on it is interrupted, and application threads are: WebFlux cancels a request whose
 * client went away by interrupting the thread that runs its blocking endpoint operation
 * (the cluster status asks the master), and such a worker lost its link and exited.
 * Acknowledgements, heartbeats, readiness and liveness go urgently, ahead of the requests
 * (status, restart, publish, ask) queued before them. The hello is written before
 * anything else can be queued.
 * <p>
 * Heartbeats prove the worker can serve: once {@link #heartbeatProbe} names the web
 * server's request executor, each heartbeat is sent by a small task run there, so a
 * worker whose request threads are all stuck stops sending them.
 */
public final class WorkerAgent implements Closeable {

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	/** Exit status of a worker whose master went away. */
	public static final int ORPHANED_EXIT_STATUS = 3;

	private final WorkerEnvironment environment;

	private final IpcChannel channel;

	private final ScheduledExecutorService heartbeats;

	/**
	 * Where a heartbeat's probe runs (the web server's request executor), or null to send
	 * heartbeats directly (while the application starts).
	 */
	private volatile @Nullable Executor probeExecutor;

	/** Whether a probe was submitted and has not run yet. */
	private final AtomicBoolean probeOutstanding = new AtomicBoolean();

	private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();

	/**
	 * A delivery running longer than this on the reading thread makes it hand the reading
	 * over.
	 */
	static final Duration SLOW_DELIVERY = Duration.ofMillis(100);

	private volatile @Nullable Consumer<Message.Drain> drainHandler;

	/**
	 * Deliveries (and the end of the retained replay) waiting to run, in arrival order.
	 */
	private final Queue<Runnable> deliveryQueue = new ConcurrentLinkedQueue<>();

	/** Held by the one thread running deliveries. */
	private final AtomicBoolean deliveryRunning = new AtomicBoolean();

	/** The thread running a delivery now, and since when ({@code System.nanoTime()}). */
	private volatile @Nullable Thread deliveryThread;

	private volatile long deliveryStartedAt;

	/** Set once the application can take deliveries (its context is refreshed). */
	private volatile boolean deliveryOpen;

	/** Guards the reading role. */
	private final Object readerLock = new Object();

	/**
	 * The thread that reads from the master now; null while a waiting standby is to take
	 * it over (written under readerLock).
	 */
	private volatile @Nullable Thread reader;

	/** Threads waiting to take the reading over (guarded by readerLock). */
	private int standing;

	private final AtomicInteger linkThreads = new AtomicInteger();

	private volatile @Nullable Consumer<Message.Deliver> deliveryHandler;

	/** Completes once the values retained before this worker connected are delivered. */
	private final CompletableFuture<Integer> retainedDelivered = new CompletableFuture<>();

	/**
	 * Newest delivery id seen per retained topic, so a replayed value never overrides a
	 * newer one.
	 */
	private final Map<String, Long> retainedSeen = new ConcurrentHashMap<>();

	private final AtomicLong requestIds = new AtomicLong();

	/** What handles expired store entries, by watched prefix. */
	private final Map<String, Consumer<Message.StoreExpired>> expiryHandlers = new ConcurrentHashMap<>();

	/**
	 * What drops a cache entry another worker invalidated: cache name, key (null: all).
	 */
	private volatile @Nullable BiConsumer<String, @Nullable String> invalidationHandler;

	/**
	 * Runs the invalidation handler, in arrival order, off the reading thread: dropping
	 * an entry waits for a load of it in progress (a cache's compute holds its key), and
	 * the loader may be waiting for a reply only the reader can read.
	 */
	private final ExecutorService invalidations = Executors
		.newSingleThreadExecutor((task) -> daemon(task, "cluster-cache-invalidation"));

	/** What answers the master's queries, by name. */
	private final Map<String, Function<JsonNode, JsonNode>> queryHandlers = new ConcurrentHashMap<>();

	/** Set on a thread while it answers one of the master's queries. */
	private static final ThreadLocal<Boolean> ANSWERING = new ThreadLocal<>();

	/** Runs the query handlers, off the reading thread. */
	private final ExecutorService queries = Executors.newCachedThreadPool((task) -> daemon(task, "cluster-query"));

	private volatile @Nullable ClusterSnapshot latest;

	/** When {@link #latest} arrived ({@code System.nanoTime()}), written before it. */
	private volatile long latestAtNanos;

	private volatile boolean closed;

	/** Requests served, for the master's recycling and status (none until told). */
	private volatile LongSupplier requestsServed = () -> 0;

	private final HeapAfterGc heapAfterGc = new HeapAfterGc();

	private WorkerAgent(WorkerEnvironment environment, IpcChannel channel) {
		this.environment = environment;
		this.channel = channel;
		this.heartbeats = Executors.newSingleThreadScheduledExecutor((task) -> daemon(task, "cluster-heartbeat"));
	}

	/**
	 * Connects to the master, presents the token and starts the reader and heartbeat
	 * threads.
	 * @throws IOException if the master cannot be reached
	 */
	public static WorkerAgent connect(WorkerEnvironment environment) throws IOException {
		IpcChannel channel = IpcChannel.connect(environment.socket(), new FrameCodec(environment.maxMessageSize()))
			.describe("master (pid " + environment.masterPid() + ")")
			.compactStoreFrames(environment.compactStoreFrames());
		try {
			// the first frame on the wire: written before anything can be queued
			channel
				.sendNow(new Message.Hello(environment.workerId(), ProcessHandle.current().pid(), environment.token()));
			if (environment.queries()) {
				// a master of an earlier version would take it for a misbehaving peer
				channel.sendNow(new Message.Features(WorkerEnvironment.PROTOCOL));
			}
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
		WorkerAgent agent = new WorkerAgent(environment, channel);
		Thread first = agent.newLinkThread();
		synchronized (agent.readerLock) {
			agent.reader = first;
		}
		first.start();
		agent.heartbeats.scheduleWithFixedDelay(agent::heartbeat, 0, environment.heartbeatMillis(),
				TimeUnit.MILLISECONDS);
		// reading waits for a slow listener at most about twice SLOW_DELIVERY
		long check = SLOW_DELIVERY.toMillis();
		agent.heartbeats.scheduleWithFixedDelay(agent::checkSlowDelivery, check, check, TimeUnit.MILLISECONDS);
		return agent;
	}

	public int workerId() {
		return this.environment.workerId();
	}

	public WorkerEnvironment environment() {
		return this.environment;
	}

	/**
	 * Tells the master this worker accepts traffic.
	 * @throws IpcException if the link to the master is closed
	 */
	public void ready() {
		send(new Message.Ready(workerId()), true);
	}

	/**
	 * Tells the master the application's liveness changed ({@code broken} for
	 * {@code LivenessState.BROKEN}), without waiting; a closed link is the reader's to
	 * notice.
	 */
	public void liveness(boolean broken) {
		post(new Message.Liveness(broken));
	}

	/**
	 * From now on, sends each heartbeat from a small task run by {@code executor} (the
	 * web server's request executor), so heartbeats stop when it runs nothing: at most
	 * one such probe is outstanding (a heartbeat tick while it has not run sends
	 * nothing), and an executor that rejects it sends nothing for that tick.
	 */
	public void heartbeatProbe(Executor executor) {
		this.probeExecutor = executor;
	}

	/** Asks the master for its view of the cluster. */
	public ClusterSnapshot status(Duration timeout) {
		return request(Message.StatusRequest::new, Message.StatusReply.class, timeout).snapshot();
	}

	/** Asks the master to start a rolling restart. */
	public Message.RestartReply requestRestart(String trigger, Duration timeout) {
		return request((id) -> new Message.RestartRequest(id, trigger), Message.RestartReply.class, timeout);
	}

	/**
	 * Asks the master to run {@code workers} workers.
	 * @throws IpcException if the master is of an earlier version, which does not scale,
	 * is unreachable, or did not answer in time
	 */
	public Message.ScaleReply requestScale(int workers, String trigger, Duration timeout) {
		if (!this.environment.queries()) {
			throw new IpcException("The master (protocol " + this.environment.protocol()
					+ ") is of an earlier version, which does not scale");
		}
		return request((id) -> new Message.ScaleRequest(id, workers, trigger), Message.ScaleReply.class, timeout);
	}

	/** Sets what to do when the master asks this worker to drain. */
	public void onDrain(Consumer<Message.Drain> handler) {
		this.drainHandler = handler;
	}

	/**
	 * Asks the master to deliver a payload to every worker ({@code target} 0) or to one.
	 * @throws dev.bootcluster.ipc.MessageTooLargeException before sending, if over the
	 * limit
	 */
	public Message.PublishReply publish(int target, String topic, @Nullable String type, JsonNode payload,
			boolean retained, Duration timeout) {
		return request((id) -> new Message.Publish(id, target, topic, type, payload, retained),
				Message.PublishReply.class, timeout);
	}

	/**
	 * Runs an operation on the master's store.
	 * @throws dev.bootcluster.ipc.MessageTooLargeException before sending, if over the
	 * limit
	 */
	public Message.StoreReply store(Message.StoreOp op, String key, byte @Nullable [] value, byte @Nullable [] expected,
			long ttlMillis, Duration timeout) {
		return request((id) -> new Message.StoreRequest(id, op, key, value, expected, ttlMillis),
				Message.StoreReply.class, timeout);
	}

	/**
	 * Asks the master to tell this worker of expired store entries under a prefix;
	 * {@code handler} runs in order with the deliveries.
	 */
	public void watchStore(String prefix, Consumer<Message.StoreExpired> handler) {
		this.expiryHandlers.put(prefix, handler);
		send(new Message.StoreWatch(prefix), false);
	}

	/** Tells the master where this worker's scheduled methods run, for its log. */
	public void reportSchedules(Message.Schedules schedules) {
		post(schedules);
	}

	/**
	 * Has every other worker drop an entry of a cache ({@code key} null: all its
	 * entries), and waits until they confirmed it, or the master's acknowledgement
	 * timeout passed.
	 * @param cache the cache's name
	 * @param key the encoded key, or null for the whole cache
	 * @param timeout how long to wait for the master's answer
	 * @return how many of the awaited workers confirmed
	 * @throws IpcException if the master is unreachable or did not answer in time
	 */
	public Message.CacheInvalidateReply invalidateCache(String cache, @Nullable String key, Duration timeout) {
		return request((id) -> new Message.CacheInvalidate(id, cache, key), Message.CacheInvalidateReply.class,
				timeout);
	}

	/**
	 * Sets what drops a cache entry that another worker invalidated. It runs on a thread
	 * of its own, one invalidation at a time in arrival order, and each is confirmed to
	 * the master once it returned; it must not wait for the master. Until one is set,
	 * invalidations are confirmed at once (there is no cache to drop anything from).
	 * @param handler called with the cache name and the encoded key (null: every entry)
	 */
	public void onCacheInvalidation(BiConsumer<String, @Nullable String> handler) {
		this.invalidationHandler = handler;
	}

	/**
	 * Has the master put a query to every READY worker ({@code target} 0, this one
	 * included) or to one slot's, and answers with what they returned within
	 * {@code wait}.
	 * @param timeout how long to wait for the master's answer (longer than {@code wait})
	 * @throws IpcException if the master is of an earlier version, which relays no
	 * queries, is unreachable, or did not answer in time
	 */
	public Message.Collected collect(int target, String query, JsonNode args, Duration wait, Duration timeout) {
		if (!this.environment.queries()) {
			throw new IpcException("The master (protocol " + this.environment.protocol()
					+ ") is of an earlier version, which relays no queries between workers");
		}
		return request((id) -> new Message.Collect(id, target, query, args, wait.toMillis()), Message.Collected.class,
				timeout);
	}

	/**
	 * Sets what answers {@code query} when the master puts it to this worker (on a thread
	 * of the agent's, never the reading one).
	 */
	public void answer(String query, Function<JsonNode, JsonNode> handler) {
		this.queryHandlers.put(query, handler);
	}

	/**
	 * Whether this thread is answering one of the master's queries: what it answers is
	 * this worker's own (a relayed {@code /actuator/metrics} of one worker), never the
	 * cluster's again.
	 */
	public static boolean answeringQuery() {
		return ANSWERING.get() != null;
	}

	/** Asks the master a question its request listeners answer. */
	public Message.Answer ask(String type, JsonNode payload, Duration timeout) {
		return request((id) -> new Message.Ask(id, type, payload), Message.Answer.class, timeout);
	}

	/**
	 * Starts handing deliveries to {@code handler} (those that arrived before included,
	 * in order) and waits until the values retained before this worker connected have
	 * been handled.
	 * @return the number of retained values replayed, or -1 if they did not all arrive in
	 * time
	 */
	public int startDelivery(Consumer<Message.Deliver> handler, Duration timeout) {
		this.deliveryHandler = handler;
		this.deliveryOpen = true;
		// what queued before opening runs here (unless the reader got to it first)
		runDeliveries();
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

	private void enqueue(Runnable delivery) {
		this.deliveryQueue.add(delivery);
		runDeliveries();
	}

	/**
	 * Runs the queued deliveries on this thread, unless another thread is running them
	 * already (it runs this one too, in order) or the application cannot take them yet.
	 */
	private void runDeliveries() {
		while (this.deliveryOpen && !this.deliveryQueue.isEmpty() && this.deliveryRunning.compareAndSet(false, true)) {
			try {
				Runnable next;
				while ((next = this.deliveryQueue.poll()) != null) {
					this.deliveryThread = Thread.currentThread();
					this.deliveryStartedAt = System.nanoTime();
					try {
						next.run();
					}
					finally {
						this.deliveryThread = null;
					}
				}
			}
			finally {
				this.deliveryRunning.set(false);
			}
		}
	}

	private void deliver(Message.Deliver deliver) {
		boolean stale = deliver.retained()
				&& this.retainedSeen.merge(deliver.topic(), deliver.deliveryId(), Math::max) != deliver.deliveryId();
		Consumer<Message.Deliver> handler = this.deliveryHandler;
		if (!stale && handler != null) {
			try {
				handler.accept(deliver);
			}
			catch (RuntimeException | LinkageError | StackOverflowError ex) {
				logger.error("A listener of cluster topic '" + deliver.topic() + "' failed", ex);
			}
		}
	}

	/**
	 * On the heartbeat thread: a delivery that keeps the reading thread busy too long
	 * hands it over.
	 */
	private void checkSlowDelivery() {
		Thread running = this.deliveryThread;
		if (running != null && System.nanoTime() - this.deliveryStartedAt > SLOW_DELIVERY.toNanos()) {
			handOver(running);
		}
	}

	/**
	 * Gives the reading role of {@code from} to a standby thread (started if none waits),
	 * if {@code from} has it and is not reading: it is the caller, or it is running a
	 * delivery (checked under the lock that a thread takes before each read, so two never
	 * read at once).
	 */
	private void handOver(Thread from) {
		Thread started;
		synchronized (this.readerLock) {
			if (this.reader != from || this.closed || (from != Thread.currentThread() && this.deliveryThread != from)) {
				return;
			}
			if (this.standing > 0) {
				this.reader = null;
				this.readerLock.notifyAll();
				return;
			}
			started = newLinkThread();
			this.reader = started;
		}
		started.start();
	}

	private Thread newLinkThread() {
		int number = this.linkThreads.incrementAndGet();
		return daemon(this::readLoop, (number == 1) ? "cluster-master-link" : "cluster-master-link-" + number);
	}

	/**
	 * Waits until this thread has the reading role: it has it, it is handed to it as a
	 * standby, or the agent closes.
	 * @return false when the agent closed
	 */
	private boolean awaitReading() throws InterruptedException {
		Thread me = Thread.currentThread();
		synchronized (this.readerLock) {
			if (this.reader == me) {
				return true;
			}
			this.standing++;
			try {
				while (this.reader != me) {
					if (this.closed) {
						return false;
					}
					if (this.reader == null) {
						this.reader = me;
						return true;
					}
					this.readerLock.wait();
				}
				return true;
			}
			finally {
				this.standing--;
			}
		}
	}

	private <R extends Message> R request(LongFunction<Message> request, Class<R> replyType, Duration timeout) {
		long id = this.requestIds.incrementAndGet();
		CompletableFuture<Message> reply = new CompletableFuture<>();
		this.pending.put(id, reply);
		// the reply is read by the reading thread: if that is this one (a listener
		// asking), another takes over
		if (this.reader == Thread.currentThread()) {
			handOver(Thread.currentThread());
		}
		try {
			// queued for the channel's writer thread, never written by this one: an
			// application thread may be interrupted (WebFlux cancels a request so), and
			// an interrupt during a write would close the link and end the worker.
			// Writing it here saved little (bench/shared-state, docs/BENCHMARKS.md).
			send(request.apply(id), false);
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

	/**
	 * How long ago the latest status arrived (pushed after each heartbeat, or the answer
	 * to a request); null before the first.
	 */
	public @Nullable Duration latestStatusAge() {
		return (this.latest != null) ? Duration.ofNanos(System.nanoTime() - this.latestAtNanos) : null;
	}

	/**
	 * Queues a message for the channel's writer thread (never doing I/O on the caller's
	 * thread, which may be interrupted): urgently ahead of the requests queued before it,
	 * or in order with them.
	 * @throws IpcException if the link is closed (or closed now: the master stopped
	 * reading)
	 * @throws dev.bootcluster.ipc.MessageTooLargeException before queuing, if over the
	 * limit
	 */
	private void send(Message message, boolean urgent) {
		try {
			if (urgent) {
				this.channel.sendUrgent(message);
			}
			else {
				this.channel.send(message);
			}
		}
		catch (IOException ex) {
			throw unreachable(ex);
		}
	}

	private static IpcException unreachable(IOException ex) {
		String reason = (ex.getMessage() != null) ? ex.getMessage() : "the link is closed";
		return new IpcException("Cannot reach the master: " + reason, ex);
	}

	/** Queues a message urgently; a broken link is the reader's to notice. */
	private void post(Message message) {
		try {
			this.channel.sendUrgent(message);
		}
		catch (IOException | RuntimeException ex) {
			// the reader thread notices a broken link
		}
	}

	/**
	 * On the heartbeat thread: sends a heartbeat, or has the probe executor send it. (An
	 * exception would end the schedule.)
	 */
	private void heartbeat() {
		Executor probe = this.probeExecutor;
		if (probe == null) {
			sendHeartbeat();
			return;
		}
		if (!this.probeOutstanding.compareAndSet(false, true)) {
			// the last probe has not run: the server runs nothing, and the master hears
			// nothing
			return;
		}
		try {
			probe.execute(this::probed);
		}
		catch (RuntimeException ex) {
			// rejected (the server is stopping or saturated): no heartbeat this time
			this.probeOutstanding.set(false);
		}
	}

	/** On the probe executor. */
	private void probed() {
		this.probeOutstanding.set(false);
		sendHeartbeat();
	}

	private void sendHeartbeat() {
		long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
		if (this.environment.pulses()) {
			post(new Message.Pulse(workerId(), heap, this.requestsServed.getAsLong(), this.heapAfterGc.lastBytes(),
					HeapAfterGc.maxBytes()));
		}
		else {
			post(new Message.Heartbeat(workerId(), heap));
		}
	}

	/**
	 * Where the heartbeats read the number of HTTP requests this worker has served (its
	 * web server's request filter).
	 */
	public void countRequests(LongSupplier served) {
		this.requestsServed = served;
	}

	/** The link to the master (for tests). */
	IpcChannel channel() {
		return this.channel;
	}

	private void readLoop() {
		String reason = "the master closed the connection";
		Throwable failure = null;
		try {
			while (awaitReading()) {
				// a listener that ran on this thread may have left it interrupted, which
				// would close the channel on the next read
				Thread.interrupted();
				Message message = this.channel.receive();
				if (message == null) {
					break;
				}
				handle(message);
			}
			if (this.closed) {
				return;
			}
		}
		catch (InterruptedException ex) {
			if (this.closed) {
				return;
			}
			reason = "interrupted";
		}
		catch (IOException | RuntimeException ex) {
			// the class too: a channel closed under the reader says only that
			reason = ex.toString();
			failure = ex;
		}
		catch (Error ex) {
			// e.g. OutOfMemoryError in a listener: a worker without its link must not
			// live on
			reason = "the link to it failed: " + ex;
		}
		if (!this.closed) {
			// No graceful shutdown: the master is gone, and a worker must not outlive it.
			System.err.println("Cluster master (pid " + this.environment.masterPid() + ") is gone (" + reason
					+ "); worker-" + workerId() + " exits now");
			if (failure != null) {
				failure.printStackTrace();
			}
			System.err.flush();
			Runtime.getRuntime().halt(ORPHANED_EXIT_STATUS);
		}
	}

	private void handle(Message message) throws IOException {
		if (message instanceof Message.StatusReply reply) {
			this.latestAtNanos = System.nanoTime();
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
			post(new Message.Delivered(deliver.deliveryId()));
			enqueue(() -> deliver(deliver));
		}
		else if (message instanceof Message.Welcome welcome) {
			// queued behind the replayed values: completes once they are delivered
			enqueue(() -> this.retainedDelivered.complete(welcome.retained()));
		}
		else if (message instanceof Message.PublishReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof Message.Answer answer) {
			complete(answer.requestId(), answer);
		}
		else if (message instanceof Message.StoreReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof Message.CacheInvalidation invalidation) {
			invalidate(invalidation);
		}
		else if (message instanceof Message.CacheInvalidateReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof Message.StoreExpired expired) {
			enqueue(() -> expired(expired));
		}
		else if (message instanceof Message.ScaleReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof Message.Collected collected) {
			complete(collected.requestId(), collected);
		}
		else if (message instanceof Message.Query query) {
			query(query);
		}
		else {
			logger.warn("Ignoring unexpected " + message.getClass().getSimpleName() + " from the master");
		}
	}

	/**
	 * Not queued behind deliveries: drops the entry on the invalidation thread, then
	 * confirms (the sender's call returns only once every worker confirmed).
	 */
	private void invalidate(Message.CacheInvalidation invalidation) {
		BiConsumer<String, @Nullable String> handler = this.invalidationHandler;
		if (handler == null) {
			post(new Message.CacheInvalidated(invalidation.invalidationId()));
			return;
		}
		try {
			this.invalidations.execute(() -> {
				try {
					handler.accept(invalidation.cache(), invalidation.key());
				}
				catch (RuntimeException | LinkageError | StackOverflowError ex) {
					logger.error("Dropping an entry of cache '" + invalidation.cache() + "' failed", ex);
				}
				post(new Message.CacheInvalidated(invalidation.invalidationId()));
			});
		}
		catch (RejectedExecutionException ex) {
			// closing: nothing is cached any more
			post(new Message.CacheInvalidated(invalidation.invalidationId()));
		}
	}

	/**
	 * Answers a query on a thread of its own (a scrape or a heap dump takes a while, and
	 * the handler may ask the master something), with an error when nothing answers it,
	 * the handler failed or the result is over the IPC limit.
	 */
	private void query(Message.Query query) {
		Function<JsonNode, JsonNode> handler = this.queryHandlers.get(query.query());
		if (handler == null) {
			post(new Message.QueryResult(query.queryId(), null,
					"worker-" + workerId() + " answers no query '" + query.query() + "'"));
			return;
		}
		try {
			this.queries.execute(() -> {
				Message.QueryResult result;
				ANSWERING.set(Boolean.TRUE);
				try {
					result = new Message.QueryResult(query.queryId(), handler.apply(query.args()), null);
				}
				catch (RuntimeException | LinkageError | StackOverflowError ex) {
					logger.debug("Query '" + query.query() + "' failed", ex);
					result = new Message.QueryResult(query.queryId(), null,
							"worker-" + workerId() + " could not answer: " + ex);
				}
				finally {
					ANSWERING.remove();
				}
				try {
					this.channel.sendUrgent(result);
				}
				catch (MessageTooLargeException ex) {
					post(new Message.QueryResult(query.queryId(), null,
							"worker-" + workerId() + "'s answer is too large: " + ex.getMessage()));
				}
				catch (IOException ex) {
					// the reader thread notices a broken link
				}
			});
		}
		catch (RejectedExecutionException ex) {
			post(new Message.QueryResult(query.queryId(), null, "worker-" + workerId() + " is stopping"));
		}
	}

	private void expired(Message.StoreExpired expired) {
		for (Map.Entry<String, Consumer<Message.StoreExpired>> handler : this.expiryHandlers.entrySet()) {
			if (expired.key().startsWith(handler.getKey())) {
				try {
					handler.getValue().accept(expired);
				}
				catch (RuntimeException | LinkageError | StackOverflowError ex) {
					logger.error("Handling the expiry of store entry '" + expired.key() + "' failed", ex);
				}
				return;
			}
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
		// Non-daemon: closing the listener can end the last other non-daemon thread
		// (Reactor Netty's server thread ends with its channel), and the JVM must not
		// start its shutdown while the drain still waits for requests and keep-alive
		// clients.
		thread.setDaemon(false);
		thread.start();
	}

	@Override
	public void close() {
		this.closed = true;
		this.heartbeats.shutdownNow();
		this.heapAfterGc.close();
		this.invalidations.shutdownNow();
		this.queries.shutdownNow();
		synchronized (this.readerLock) {
			this.readerLock.notifyAll();
		}
		this.channel.close();
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

}
