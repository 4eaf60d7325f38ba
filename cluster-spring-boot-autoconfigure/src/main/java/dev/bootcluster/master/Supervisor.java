package dev.bootcluster.master;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;
import dev.bootcluster.WorkerExit;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerSnapshot.Exit;
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.IpcServer;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.Message.Hello;
import dev.bootcluster.ipc.MessageTooLargeException;
import dev.bootcluster.master.RestartPolicy.Decision;

/**
 * Keeps {@code desired} workers running: starts them, replaces crashed ones as the
 * {@link RestartPolicy} decides, rolls restarts through them, answers their IPC messages
 * and stops them all gracefully. It logs one {@code Cluster ready} line each time every
 * slot becomes READY (at start, after recovering from a crash, at the end of a rolling
 * restart), and gives a worker that exits {@link WorkerExit#MISCONFIGURED} before it was
 * READY up at once, telling the {@link #onFatal fatal callback}, since restarting it
 * would only fail again.
 */
public final class Supervisor implements IpcServer.Handler {

	private static final Log logger = LogFactory.getLog(Supervisor.class);

	/** Lines kept per worker slot for failure reports. */
	static final int LAST_LINES = 50;

	private final SupervisorSettings settings;

	private final WorkerStarter starter;

	private final RestartPolicy policy;

	private final Clock clock;

	private final PrintStream out;

	private final PrintStream err;

	private final ScheduledExecutorService scheduler;

	private final Map<Integer, Slot> slots = new LinkedHashMap<>();

	/** Every live worker process by PID, to route IPC messages. */
	private final Map<Long, Worker> workers = new ConcurrentHashMap<>();

	private final RollingRestart rollingRestart;

	private final MessageHub messages;

	private long restarts;

	private volatile boolean stopping;

	private volatile @Nullable Consumer<String> fatal;

	/**
	 * Whether the fatal callback was called: once is enough, the cluster is going down.
	 */
	private boolean fatalReported;

	/**
	 * Whether {@code Cluster ready} was logged since the cluster last had a slot that was
	 * not READY, so that it is logged once per recovery, not on every READY.
	 */
	private boolean announcedReady;

	public Supervisor(SupervisorSettings settings, WorkerStarter starter, RestartPolicy policy, MessageHub messages) {
		this(settings, starter, policy, messages, System.out, System.err);
	}

	Supervisor(SupervisorSettings settings, WorkerStarter starter, RestartPolicy policy, MessageHub messages,
			PrintStream out, PrintStream err) {
		this.settings = settings;
		this.messages = messages;
		messages.recipients(this::recipients);
		this.starter = starter;
		this.policy = policy;
		this.clock = policy.clock();
		this.out = out;
		this.err = err;
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "cluster-supervisor");
			thread.setDaemon(true);
			return thread;
		});
		this.rollingRestart = new RollingRestart(this, settings, this.clock);
	}

	SupervisorSettings settings() {
		return this.settings;
	}

	boolean isStopping() {
		return this.stopping;
	}

	/** Starts every worker slot. */
	public synchronized void start() {
		logger.info("Starting " + this.settings.desired() + " workers on port " + this.settings.port() + " (master pid "
				+ ProcessHandle.current().pid() + ")");
		for (int id = 1; id <= this.settings.desired(); id++) {
			Slot slot = new Slot(id);
			this.slots.put(id, slot);
			launch(slot, StartReason.START);
		}
	}

	/**
	 * Registers what to do when a worker exits {@link WorkerExit#MISCONFIGURED} before it
	 * was READY (outside a rolling restart): the application cannot run as a cluster
	 * worker, so the master does not restart it. Called at most once, on a thread of its
	 * own (it may stop the cluster and exit the JVM), with a one-line reason; the slot's
	 * last lines are already logged.
	 */
	public void onFatal(Consumer<String> reason) {
		this.fatal = reason;
	}

	/**
	 * Starts a process in {@code slot}; for a rolling restart the current one (if any)
	 * becomes the retiring one.
	 * @param reason why: {@link StartReason#RESTART} starts the new build, the others the
	 * last good one
	 * @return the new worker, or null if the process could not be started
	 */
	private @Nullable Worker launch(Slot slot, StartReason reason) {
		boolean candidate = reason == StartReason.RESTART;
		Process process;
		try {
			process = this.starter.start(slot.id, candidate);
		}
		catch (IOException | RuntimeException ex) {
			logger.error("Could not start worker-" + slot.id + ": " + ex.getMessage());
			if (!candidate) {
				slot.current = null;
				clusterChanged();
				scheduleAfterCrash(slot, null);
			}
			return null;
		}
		Worker worker = new Worker(slot, new WorkerProcess(slot.id, process, this.clock.instant()), reason);
		if (candidate) {
			slot.retiring = slot.current;
		}
		slot.current = worker;
		slot.failed = false;
		this.workers.put(worker.pid(), worker);
		worker.process.relayOutput(this.out, this.err, slot.lines);
		logger
			.info("Started worker-" + slot.id + " (pid " + worker.pid() + ")" + (candidate ? " as a replacement" : ""));
		clusterChanged();
		worker.process.onExitAndOutputRelayed().whenComplete((exited, ex) -> exited(worker));
		return worker;
	}

	private void exited(Worker worker) {
		String fatalReason;
		synchronized (this) {
			fatalReason = recordExit(worker);
		}
		if (fatalReason != null) {
			reportFatal(fatalReason);
		}
	}

	/**
	 * Records the exit of a worker in its slot, and restarts it as the policy decides.
	 * @return the reason to give the fatal callback, or null
	 */
	private @Nullable String recordExit(Worker worker) {
		this.workers.remove(worker.pid());
		Slot slot = worker.slot;
		int status = worker.process.exitValue();
		closeChannel(worker);
		worker.exitStatus = status;
		boolean wasCurrent = slot.current == worker;
		if (slot.retiring == worker) {
			slot.retiring = null;
		}
		ExitCause stopCause = worker.stopCause;
		ExitCause cause = (stopCause != null) ? stopCause : (this.stopping ? ExitCause.STOPPED : ExitCause.CRASHED);
		slot.left(worker, status, cause, this.clock.instant());
		String who = "worker-" + slot.id + " (pid " + worker.pid() + ")";
		if (cause != ExitCause.CRASHED) {
			worker.state = WorkerState.STOPPED;
			logger.info(who + " " + stopped(cause, status));
			worker.exited.complete(status);
			clusterChanged();
			notifyAll();
			return null;
		}
		worker.state = WorkerState.CRASHED;
		worker.exited.complete(status);
		clusterChanged();
		if (worker.candidate && !worker.ready.isDone()) {
			// a replacement that never became READY: the rolling restart decides
			// (rollback), even for MISCONFIGURED: the old workers of the last good build
			// still run
			worker.ready.completeExceptionally(new ReplacementFailedException(status));
			logger.warn("Replacement " + who + " crashed before it was READY: " + ExitStatus.explain(status));
			return null;
		}
		if (!wasCurrent) {
			logger.warn("Retiring " + who + " crashed: " + ExitStatus.explain(status));
			return null;
		}
		if (status == WorkerExit.MISCONFIGURED && worker.readyMillis == null) {
			return misconfigured(slot, who);
		}
		logger.warn(who + " crashed: " + ExitStatus.explain(status));
		scheduleAfterCrash(slot, status);
		return null;
	}

	/**
	 * How a worker the master asked to leave left:
	 * {@code stopped gracefully (SIGTERM, exit 143)},
	 * {@code replaced and stopped gracefully (exited normally, exit 0)} after a drain.
	 */
	private static String stopped(ExitCause cause, int status) {
		String what = (cause == ExitCause.REPLACED) ? "replaced and stopped" : "stopped";
		if (ExitStatus.isGraceful(status)) {
			String signal = ExitStatus.signal(status);
			return what + " gracefully (" + ((signal != null) ? signal : ExitStatus.describe(status)) + ", exit "
					+ status + ")";
		}
		return what + ": " + ExitStatus.explain(status);
	}

	/**
	 * Gives a slot up whose worker exited MISCONFIGURED before it was READY: every
	 * restart would fail the same way, so none is scheduled.
	 * @return the reason for the fatal callback, or null when it was told already
	 */
	private @Nullable String misconfigured(Slot slot, String who) {
		slot.failed = true;
		if (this.fatalReported) {
			// the other slots usually fail alike at the same moment: one report with
			// lines is enough
			logger.error(who + " also exited with status " + WorkerExit.MISCONFIGURED
					+ " (EX_CONFIG) before it was READY; not restarted");
			return null;
		}
		StringBuilder report = new StringBuilder(who + " exited with status " + WorkerExit.MISCONFIGURED
				+ " (EX_CONFIG) before it was READY: the application cannot run as a cluster worker, so the master "
				+ "does not restart it. Why, in its last lines:");
		slot.lines.lines().forEach((line) -> report.append(System.lineSeparator()).append("    ").append(line));
		logger.error(report);
		this.fatalReported = true;
		return who + " exited misconfigured (EX_CONFIG, exit " + WorkerExit.MISCONFIGURED
				+ ") before it was READY: the application cannot run as a cluster worker (its last lines are logged)";
	}

	/**
	 * Tells the fatal callback, outside the supervisor's lock: it may stop the cluster.
	 */
	private void reportFatal(String reason) {
		Consumer<String> callback = this.fatal;
		if (callback == null) {
			logger.error("No fatal callback registered; the cluster keeps running without the failed slot");
			return;
		}
		// Not on the thread that reported the exit (a process reaper): the callback waits
		// for the other workers to stop, whose exits that thread may have to report.
		Thread thread = new Thread(() -> callback.accept(reason), "cluster-fatal");
		thread.start();
	}

	/**
	 * Restarts a crashed slot after its backoff, or gives it up when the crash-loop
	 * breaker trips.
	 * @param status the crashed process's exit status, or null when the process could not
	 * be started
	 */
	private void scheduleAfterCrash(Slot slot, @Nullable Integer status) {
		Decision decision = slot.tracker.recordCrash();
		if (decision instanceof Decision.Restart restart) {
			logger.info("Restarting worker-" + slot.id + " in " + restart.delay().toMillis() + " ms");
			this.scheduler.schedule(() -> restart(slot), restart.delay().toMillis(), TimeUnit.MILLISECONDS);
		}
		else if (decision instanceof Decision.GiveUp giveUp) {
			slot.failed = true;
			String last = "its last start failed";
			if (status != null) {
				String description = ExitStatus.describe(status);
				last = "last exit status " + status
						+ (description.equals("exit status " + status) ? "" : ", " + description);
			}
			StringBuilder report = new StringBuilder(
					"worker-" + slot.id + " FAILED: " + giveUp.reason() + "; " + last + ". Its last lines:");
			slot.lines.lines().forEach((line) -> report.append(System.lineSeparator()).append("    ").append(line));
			logger.error(report);
		}
	}

	private synchronized void restart(Slot slot) {
		if (this.stopping || slot.failed || (slot.current != null && slot.current.state.isAlive())) {
			return;
		}
		slot.restarts++;
		this.restarts++;
		launch(slot, StartReason.CRASH);
	}

	/**
	 * Logs {@code Cluster ready} when every slot has just become READY, except during a
	 * rolling restart, whose end {@link #rolloutEnded} reports it; forgets it when a slot
	 * is not READY.
	 */
	private void clusterChanged() {
		int desired = this.settings.desired();
		int ready = readyCount();
		if (this.slots.size() < desired || ready < desired) {
			this.announcedReady = false;
			return;
		}
		RestartOperation rollout = this.rollingRestart.latest();
		if (this.announcedReady || this.stopping || (rollout != null && rollout.inProgress())) {
			return;
		}
		this.announcedReady = true;
		logger.info("Cluster ready: " + ready + "/" + desired + " workers on port " + this.settings.port()
				+ " (listener " + this.settings.listener() + ")");
	}

	// ---- rolling restart steps (called by RollingRestart on its own thread) ----

	synchronized List<Integer> slotIds() {
		return new ArrayList<>(this.slots.keySet());
	}

	/** Starts the replacement of a slot's worker from the new build. */
	synchronized @Nullable Worker startReplacement(int slotId) {
		if (this.stopping) {
			return null;
		}
		return launch(this.slots.get(slotId), StartReason.RESTART);
	}

	/**
	 * Puts the old worker back after a failed replacement, and removes the replacement.
	 */
	synchronized void rollback(int slotId, Worker replacement) {
		Slot slot = this.slots.get(slotId);
		if (replacement.stopCause == null) {
			replacement.stopCause = ExitCause.STOPPED;
		}
		if (slot.current == replacement) {
			slot.current = slot.retiring;
			slot.retiring = null;
		}
		if (replacement.process.isAlive()) {
			replacement.process.kill();
		}
		if (slot.current == null && !this.stopping) {
			// the old worker was already gone (its start had failed, or it crashed during
			// the rollout): fall back to the last good build, a crash replacement like
			// any other
			slot.restarts++;
			this.restarts++;
			launch(slot, StartReason.CRASH);
		}
	}

	/** Told by the rolling restart once it ended, whatever the outcome. */
	synchronized void rolloutEnded() {
		clusterChanged();
	}

	/** Lines the slot's processes logged last. */
	synchronized List<String> lastLines(int slotId) {
		return this.slots.get(slotId).lines.lines();
	}

	/**
	 * Asks the retiring worker of a slot to drain; returns it, or null if there is none.
	 */
	synchronized @Nullable Worker drainRetiring(int slotId) {
		Slot slot = this.slots.get(slotId);
		Worker old = slot.retiring;
		if (old == null) {
			return null;
		}
		old.stopCause = ExitCause.REPLACED;
		old.state = WorkerState.DRAINING;
		IpcChannel channel = old.channel;
		try {
			if (channel == null) {
				throw new IOException("no IPC connection");
			}
			channel.send(new Message.Drain(this.settings.drainQuietPeriod().toMillis(),
					this.settings.keepAliveTimeout().toMillis(), this.settings.drainTimeout().toMillis()));
		}
		catch (IOException ex) {
			logger.warn("Cannot ask worker-" + slot.id + " (pid " + old.pid() + ") to drain (" + ex.getMessage()
					+ "); stopping it with SIGTERM");
			old.process.terminate();
		}
		return old;
	}

	/**
	 * Waits for a stopping worker to exit: drain timeout, then SIGTERM, then SIGKILL.
	 * @return null when it exited within the drain timeout, else what had to be done
	 */
	@Nullable String awaitExit(Worker worker, Duration drainTimeout) {
		if (waitFor(worker, drainTimeout)) {
			return null;
		}
		String who = "worker-" + worker.slot.id + " (pid " + worker.pid() + ")";
		logger.warn(who + " was still running " + drainTimeout.toMillis() + " ms after it was asked to drain "
				+ "(requests still in progress or a stuck shutdown); sending SIGTERM");
		worker.process.terminate();
		if (waitFor(worker, this.settings.shutdownTimeout())) {
			return who + " was still running after the drain timeout; stopped with SIGTERM";
		}
		logger.warn(who + " ignored SIGTERM for " + this.settings.shutdownTimeout().toSeconds() + " s; killing it");
		worker.process.kill();
		waitFor(worker, Duration.ofSeconds(10));
		return who + " was still running after the drain timeout and SIGTERM; killed";
	}

	private static boolean waitFor(Worker worker, Duration timeout) {
		try {
			// the exit as the supervisor recorded it, so the slot's history is up to date
			worker.exited.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return true;
		}
		catch (TimeoutException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (ExecutionException ex) {
			return true;
		}
	}

	/**
	 * Starts a rolling restart unless one is running.
	 * @param trigger what asked for it, for the status
	 */
	public Message.RestartReply startRollingRestart(long requestId, String trigger) {
		return this.rollingRestart.start(requestId, trigger);
	}

	/**
	 * Registers what to do when a rolling restart succeeds (the new build becomes the
	 * last good).
	 */
	public void onRolloutOutcome(RollingRestart.Listener listener) {
		this.rollingRestart.setListener(listener);
	}

	// ---- IPC ----

	@Override
	public void connected(Hello hello, IpcChannel channel) {
		synchronized (this) {
			Worker worker = this.workers.get(hello.pid());
			if (worker == null || worker.slot.id != hello.workerId()) {
				logger.warn("Rejecting IPC connection from pid " + hello.pid() + " claiming to be worker-"
						+ hello.workerId() + ": no such worker process");
				channel.close();
				return;
			}
			closeChannel(worker);
			worker.channel = channel;
		}
		// After the channel is visible to broadcasts, so no retained value is missed (one
		// sent in between may arrive twice; the worker keeps the newest of each topic).
		// Outside the supervisor's lock: the hub's lock is always taken first.
		this.messages.welcome(channel);
	}

	/** Workers with an IPC connection that are starting or READY: where messages go. */
	private List<MessageHub.Recipient> recipients() {
		List<MessageHub.Recipient> recipients = new ArrayList<>();
		for (Worker worker : this.workers.values()) {
			IpcChannel channel = worker.channel;
			WorkerState state = worker.state;
			if (channel != null && (state == WorkerState.STARTING || state == WorkerState.READY)) {
				recipients
					.add(new MessageHub.Recipient(worker.slot.id, worker.pid(), channel, state == WorkerState.READY));
			}
		}
		return recipients;
	}

	@Override
	public void received(Hello hello, IpcChannel channel, Message message) throws IOException {
		if (message instanceof Message.Ready) {
			ready(hello);
		}
		else if (message instanceof Message.Heartbeat heartbeat) {
			heartbeat(hello, heartbeat);
			sendStatus(channel, 0);
		}
		else if (message instanceof Message.StatusRequest request) {
			sendStatus(channel, request.requestId());
		}
		else if (message instanceof Message.RestartRequest request) {
			channel.send(startRollingRestart(request.requestId(), request.trigger()));
		}
		else if (message instanceof Message.Delivered delivered) {
			this.messages.delivered(hello.pid(), delivered.deliveryId());
		}
		else if (message instanceof Message.Publish publish) {
			this.messages.publishFrom(hello.workerId(), publish, channel);
		}
		else if (message instanceof Message.Ask ask) {
			this.messages.ask(hello.workerId(), ask, channel);
		}
		else {
			logger.warn("Ignoring " + message.getClass().getSimpleName() + " sent to the master by worker-"
					+ hello.workerId());
		}
	}

	/**
	 * Sends the status; when it is over the IPC size limit (many slots with failure
	 * reports), sends it without the failure lines rather than failing the worker's
	 * connection.
	 */
	private void sendStatus(IpcChannel channel, long requestId) throws IOException {
		ClusterSnapshot snapshot = snapshot();
		try {
			channel.send(new Message.StatusReply(requestId, snapshot));
		}
		catch (MessageTooLargeException ex) {
			List<WorkerSnapshot> trimmed = snapshot.workers()
				.stream()
				.map((w) -> new WorkerSnapshot(w.id(), w.pid(), w.state(), w.startedFor(), w.startedAt(),
						w.uptimeMillis(), w.readyMillis(), w.lastHeartbeat(), w.heapUsedBytes(), w.restarts(),
						w.replacements(), w.lastExit(), List.of()))
				.toList();
			RestartOperation restart = snapshot.restart();
			if (restart != null) {
				restart = new RestartOperation(restart.id(), restart.state(), restart.trigger(), restart.replaced(),
						restart.total(), restart.step(), restart.startedAt(), restart.finishedAt(), restart.reason(),
						List.of());
			}
			channel.send(new Message.StatusReply(requestId,
					new ClusterSnapshot(snapshot.role(), snapshot.masterPid(), snapshot.desired(), snapshot.ready(),
							snapshot.restarts(), snapshot.port(), trimmed, restart, snapshot.listener(),
							snapshot.tcpMigrateReq())));
		}
	}

	/**
	 * A worker reported READY (package-private: the tests' stand-in for its IPC message).
	 */
	synchronized void ready(Hello hello) {
		Worker worker = this.workers.get(hello.pid());
		if (worker != null && worker.state == WorkerState.STARTING) {
			worker.state = WorkerState.READY;
			worker.readyMillis = Duration.between(worker.process.startedAt(), this.clock.instant()).toMillis();
			logger
				.info("worker-" + worker.slot.id + " (pid " + hello.pid() + ") READY in " + worker.readyMillis + " ms");
			worker.ready.complete(null);
			clusterChanged();
			notifyAll();
		}
	}

	private synchronized void heartbeat(Hello hello, Message.Heartbeat heartbeat) {
		Worker worker = this.workers.get(hello.pid());
		if (worker != null) {
			worker.lastHeartbeat = this.clock.instant();
			worker.heapUsedBytes = heartbeat.heapUsedBytes();
		}
	}

	@Override
	public void disconnected(Hello hello, IpcChannel channel) {
		synchronized (this) {
			Worker worker = this.workers.get(hello.pid());
			if (worker != null && worker.channel == channel) {
				worker.channel = null;
			}
		}
		this.messages.disconnected(hello.pid());
	}

	private static void closeChannel(Worker worker) {
		IpcChannel channel = worker.channel;
		if (channel != null) {
			channel.close();
			worker.channel = null;
		}
	}

	// ---- status ----

	private int readyCount() {
		return (int) this.slots.values().stream().filter((slot) -> slot.state() == WorkerState.READY).count();
	}

	public synchronized ClusterSnapshot snapshot() {
		Instant now = this.clock.instant();
		List<WorkerSnapshot> snapshots = new ArrayList<>();
		for (Slot slot : this.slots.values()) {
			snapshots.add(slot.snapshot(now));
		}
		return new ClusterSnapshot(ClusterRole.MASTER, ProcessHandle.current().pid(), this.settings.desired(),
				readyCount(), this.restarts, this.settings.port(), snapshots, this.rollingRestart.latest(),
				this.settings.listener(), this.settings.tcpMigrateReq());
	}

	// ---- stop ----

	/**
	 * Stops every worker gracefully (SIGTERM, so each runs Boot's graceful shutdown),
	 * waiting up to {@code timeout} before killing what is left.
	 */
	public void stop(Duration timeout) {
		List<WorkerProcess> running = new ArrayList<>();
		synchronized (this) {
			if (this.stopping) {
				return;
			}
			this.stopping = true;
			for (Worker worker : this.workers.values()) {
				if (worker.stopCause == null) {
					worker.stopCause = ExitCause.STOPPED;
				}
				if (worker.state.isAlive()) {
					worker.state = WorkerState.DRAINING;
				}
				running.add(worker.process);
			}
		}
		this.scheduler.shutdownNow();
		this.rollingRestart.shutdown();
		logger.info("Stopping " + running.size() + " workers (timeout " + timeout.toSeconds() + " s)");
		running.forEach(WorkerProcess::terminate);
		long deadline = System.nanoTime() + timeout.toNanos();
		for (WorkerProcess worker : running) {
			try {
				worker.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
			catch (TimeoutException ex) {
				logger.warn("worker-" + worker.workerId() + " (pid " + worker.pid() + ") did not stop within "
						+ timeout.toSeconds() + " s; killing it");
				worker.kill();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				worker.kill();
			}
			catch (ExecutionException ex) {
				// onExit does not fail
			}
		}
	}

	/** A replacement exited before it was READY. */
	static final class ReplacementFailedException extends Exception {

		private final int status;

		ReplacementFailedException(int status) {
			super("exited with status " + status + " before it was READY", null, false, false);
			this.status = status;
		}

		int status() {
			return this.status;
		}

	}

	/** One worker process and what the master knows of it. */
	static final class Worker {

		final Slot slot;

		final WorkerProcess process;

		/** Started from the new build by a rolling restart (READY or not). */
		final boolean candidate;

		/** Why the master started it. */
		final StartReason startedFor;

		final CompletableFuture<Void> ready = new CompletableFuture<>();

		final CompletableFuture<Integer> exited = new CompletableFuture<>();

		volatile WorkerState state = WorkerState.STARTING;

		volatile @Nullable IpcChannel channel;

		/**
		 * Why the master asked it to leave, or null while it has not (an exit then is a
		 * crash).
		 */
		volatile @Nullable ExitCause stopCause;

		volatile @Nullable Long readyMillis;

		volatile @Nullable Instant lastHeartbeat;

		volatile long heapUsedBytes;

		volatile @Nullable Integer exitStatus;

		Worker(Slot slot, WorkerProcess process, StartReason startedFor) {
			this.slot = slot;
			this.process = process;
			this.startedFor = startedFor;
			this.candidate = startedFor == StartReason.RESTART;
		}

		long pid() {
			return this.process.pid();
		}

		int slotId() {
			return this.slot.id;
		}

	}

	/**
	 * A worker id: its current process, during a rolling restart the one it replaces, and
	 * its history (crash replacements, rolling-restart replacements, the last process
	 * that left).
	 */
	final class Slot {

		final int id;

		final LineBuffer lines = new LineBuffer(LAST_LINES);

		final RestartPolicy.Tracker tracker = Supervisor.this.policy.newTracker();

		@Nullable Worker current;

		@Nullable Worker retiring;

		boolean failed;

		/** Crash replacements started in this slot. */
		int restarts;

		/** Processes of this slot drained by a rolling restart. */
		int replacements;

		@Nullable Exit lastExit;

		Slot(int id) {
			this.id = id;
		}

		/** Records that a process left the slot. */
		void left(Worker worker, int status, ExitCause cause, Instant at) {
			this.lastExit = new Exit(worker.pid(), status, cause, at);
			if (cause == ExitCause.REPLACED) {
				this.replacements++;
			}
		}

		WorkerState state() {
			if (this.failed) {
				return WorkerState.FAILED;
			}
			return (this.current != null) ? this.current.state : WorkerState.CRASHED;
		}

		WorkerSnapshot snapshot(Instant now) {
			Worker worker = this.current;
			WorkerState state = state();
			long pid = (worker != null) ? worker.pid() : -1;
			Instant startedAt = (worker != null) ? worker.process.startedAt() : null;
			long uptime = (startedAt != null && state.isAlive()) ? Duration.between(startedAt, now).toMillis() : 0;
			List<String> lastLines = (state == WorkerState.FAILED) ? this.lines.lines() : List.of();
			return new WorkerSnapshot(this.id, pid, state, (worker != null) ? worker.startedFor : null, startedAt,
					uptime, (worker != null) ? worker.readyMillis : null,
					(worker != null) ? worker.lastHeartbeat : null, (worker != null) ? worker.heapUsedBytes : 0,
					this.restarts, this.replacements, this.lastExit, lastLines);
		}

	}

}
