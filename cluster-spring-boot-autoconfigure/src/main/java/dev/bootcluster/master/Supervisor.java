package dev.bootcluster.master;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.IpcServer;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.master.RestartPolicy.Decision;

/**
 * Keeps {@code desired} workers running: starts them, replaces crashed, hung and broken
 * ones, rolls restarts through them, answers their IPC messages and stops them all
 * gracefully.
 * <p>
 * All of its state belongs to one {@link SupervisorLoop loop} thread: process exits, IPC
 * messages, timers and operator commands reach it as tasks, and nothing on it blocks on
 * I/O or on a process start (processes are started, and signals sent, on a launcher
 * thread; IPC sends only queue). Every worker state change goes through
 * {@link #transition}, which enforces {@link WorkerState}'s table.
 * <p>
 * It logs one {@code Cluster ready} line each time every slot becomes READY, and gives a
 * worker that exits {@link WorkerExit#MISCONFIGURED} before it was READY up at once,
 * telling the {@link #onFatal fatal callback}, since restarting it would only fail again.
 * Only its own workers can command it: each process gets a single-use token, and a
 * connection is acted on only once its hello presented the token of a process the master
 * started (with that process's pid).
 */
public final class Supervisor {

	private static final Log logger = LogFactory.getLog(Supervisor.class);

	private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

	private final SupervisorSettings settings;

	private final WorkerStarter starter;

	private final RestartPolicy policy;

	private final MessageHub messages;

	private final SupervisorLoop loop;

	private final Executor launcher;

	private final @Nullable ExecutorService ownedLauncher;

	private final WorkerSignals signals;

	private final PrintStream out;

	private final PrintStream err;

	/** The slots by id, in id order (a slot scaled away stays until its process left). */
	private final Map<Integer, Slot> slots = new TreeMap<>();

	/** How many workers the cluster runs: the settings', then what scaling set. */
	private int desired;

	private long masterRssBytes = -1;

	private long masterRssAt;

	/** How far back a worker's requests per second look. */
	static final Duration RATE_WINDOW = Duration.ofSeconds(10);

	/** The most workers a cluster runs ({@code cluster.workers} and scaling). */
	public static final int MAX_WORKERS = 256;

	/** Workers launched and not yet seen to exit. */
	private final Set<Worker> live = new LinkedHashSet<>();

	private final RollingRestart rollingRestart;

	private boolean stopping;

	private final CompletableFuture<Void> allExited = new CompletableFuture<>();

	private final WorkerLinks links;

	private final StoreService store;

	private final HangWatch hangs;

	private volatile @Nullable Consumer<String> fatal;

	/** Whether the fatal callback was called: once is enough. */
	private boolean fatalReported;

	/**
	 * Whether {@code Cluster ready} was logged since the cluster last had a slot that was
	 * not READY.
	 */
	private boolean announcedReady;

	/** Whether {@code Cluster ready} was ever logged. */
	private boolean everReady;

	/** Told once, on the loop, the first time {@code Cluster ready} is logged. */
	private @Nullable Runnable firstReady;

	/** Told on the loop each later time {@code Cluster ready} is logged, rate-limited. */
	private @Nullable Runnable readyAgain;

	/** Least time between two runs of {@link #readyAgain}. */
	private Duration readyAgainInterval = Duration.ZERO;

	/** When {@link #readyAgain} last ran. */
	private @Nullable Instant readyAgainRan;

	/** A run of {@link #readyAgain} put off until its interval has passed. */
	private SupervisorLoop.@Nullable Timer readyAgainTimer;

	public Supervisor(SupervisorSettings settings, WorkerStarter starter, RestartPolicy policy, MessageHub messages) {
		this(settings, starter, policy, messages, new ThreadLoop(policy.clock()), null, WorkerSignals.SYSTEM,
				System.out, System.err);
	}

	/**
	 * @param launcher where processes are started and signals sent, or null for a thread
	 * of its own
	 */
	Supervisor(SupervisorSettings settings, WorkerStarter starter, RestartPolicy policy, MessageHub messages,
			SupervisorLoop loop, @Nullable Executor launcher, WorkerSignals signals, PrintStream out, PrintStream err) {
		this.settings = settings;
		this.desired = settings.desired();
		this.starter = starter;
		this.policy = policy;
		this.messages = messages;
		this.loop = loop;
		if (launcher != null) {
			this.launcher = launcher;
			this.ownedLauncher = null;
		}
		else {
			ExecutorService executor = Executors.newSingleThreadExecutor((task) -> {
				Thread thread = new Thread(task, "cluster-launcher");
				thread.setDaemon(true);
				return thread;
			});
			this.launcher = executor;
			this.ownedLauncher = executor;
		}
		this.signals = signals;
		this.out = out;
		this.err = err;
		this.rollingRestart = new RollingRestart(this, loop.clock(), this.launcher, settings.maxSurge(),
				this::memoryForASurge);
		this.store = new StoreService(new MasterStore(loop.clock(), settings.storeMaxBytes()), loop);
		this.links = new WorkerLinks(this, loop, messages, this.store);
		this.hangs = new HangWatch(this, loop, this.launcher, signals);
	}

	SupervisorLoop loop() {
		return this.loop;
	}

	ClusterTimeouts timeouts() {
		return this.settings.timeouts();
	}

	private Clock clock() {
		return this.loop.clock();
	}

	/** Starts every worker slot. */
	public void start() {
		this.loop.execute(() -> {
			logger.info("Starting " + this.desired + " workers on port " + this.settings.port() + " (master pid "
					+ ProcessHandle.current().pid() + ")");
			if (this.settings.recycle().enabled()) {
				logger.info("Workers are recycled one at a time at " + this.settings.recycle().describe());
			}
			for (int id = 1; id <= this.desired; id++) {
				Slot slot = new Slot(id, this.policy.newTracker());
				this.slots.put(id, slot);
				launch(slot, StartReason.START, false);
			}
			this.hangs.start(this.slots.values());
			this.store.start();
		});
	}

	/**
	 * Registers what to do when a worker exits {@link WorkerExit#MISCONFIGURED} before it
	 * was READY (outside a replacement): the application cannot run as a cluster worker,
	 * so the master does not restart it. Called at most once, on a thread of its own (it
	 * may stop the cluster and exit the JVM), with a one-line reason.
	 */
	public void onFatal(Consumer<String> reason) {
		this.fatal = reason;
	}

	/**
	 * Registers what to do, once, when every worker is READY for the first time (on the
	 * loop: it must not block).
	 */
	public void onFirstReady(Runnable action) {
		this.loop.execute(() -> this.firstReady = action);
	}

	/**
	 * Registers what to do each later time every worker is READY again: after a crash or
	 * hang was replaced, a scale, a recycle, a rolling restart. It runs on the loop (it
	 * must not block), at most once per {@code minInterval}: a cluster that is ready
	 * again sooner has it run once when the interval has passed, if every worker is READY
	 * then (else at the next {@code Cluster ready}).
	 */
	public void onReadyAgain(Duration minInterval, Runnable action) {
		this.loop.execute(() -> {
			this.readyAgainInterval = minInterval;
			this.readyAgain = action;
		});
	}

	/**
	 * Registers what prepares the new build when a rollout starts and keeps or discards
	 * it when it ends.
	 */
	public void onRolloutOutcome(RollingRestart.Listener listener) {
		this.loop.execute(() -> this.rollingRestart.setListener(listener));
	}

	// ---- processes ----

	/**
	 * Creates the worker, makes it the slot's current one and has the launcher start its
	 * process.
	 */
	Worker launch(Slot slot, StartReason reason, boolean candidate) {
		String token = this.links.newToken();
		Worker worker = new Worker(slot, reason, candidate, token);
		this.live.add(worker);
		this.links.expect(worker);
		slot.current = worker;
		clusterChanged();
		Instant launchedAt = clock().instant();
		this.launcher.execute(() -> {
			Process process;
			try {
				process = this.starter.start(slot.id, candidate, token);
			}
			catch (IOException | RuntimeException ex) {
				String why = String.valueOf(ex.getMessage());
				this.loop.execute(() -> startFailed(worker, why));
				return;
			}
			worker.pid = process.pid();
			this.loop.execute(() -> started(worker, new WorkerProcess(slot.id, process, launchedAt)));
		});
		return worker;
	}

	private void started(Worker worker, WorkerProcess process) {
		worker.process = process;
		Slot slot = worker.slot;
		process.relayOutput(this.out, this.err, slot.lines);
		logger.info("Started " + worker + ((worker.startedFor == StartReason.START) ? ""
				: " (" + worker.startedFor.name().toLowerCase() + ")"));
		process.onExitAndOutputRelayed().whenComplete((exited, ex) -> this.loop.execute(() -> exited(worker)));
		Long claimed = worker.claimedPid;
		if (claimed != null && claimed != worker.pid) {
			this.links.refuse(worker, "its hello claimed pid " + claimed);
		}
		if (this.stopping || worker.stopCause != null) {
			if (worker.stopCause == null) {
				worker.stopCause = ExitCause.STOPPED;
			}
			process.terminate();
		}
	}

	private void startFailed(Worker worker, String why) {
		logger.error("Could not start worker-" + worker.slot.id + ": " + why);
		worker.startFailure = why;
		this.links.forget(worker);
		transition(worker, WorkerState.CRASHED);
		left(worker, -1);
		Replacement owner = worker.owner;
		if (owner != null) {
			owner.exited(worker, -1);
		}
		else if (worker.slot.removed) {
			removeSlot(worker.slot);
		}
		else if (worker.slot.current == worker && !this.stopping) {
			restartAfterCrash(worker.slot, null);
		}
	}

	private void exited(Worker worker) {
		WorkerProcess process = worker.process;
		if (process == null) {
			return;
		}
		int status = process.exitValue();
		this.links.forget(worker);
		Slot slot = worker.slot;
		ExitCause stopCause = worker.stopCause;
		ExitCause cause = (stopCause != null) ? stopCause : (this.stopping ? ExitCause.STOPPED : ExitCause.CRASHED);
		boolean crashed = cause == ExitCause.CRASHED || cause == ExitCause.HUNG;
		transition(worker, crashed ? WorkerState.CRASHED : WorkerState.STOPPED);
		slot.left(worker, status, cause, clock().instant());
		if (slot.retiring == worker) {
			slot.retiring = null;
		}
		if (slot.removed && slot.current == worker) {
			logger.info(report(worker, cause, status) + "; worker-" + slot.id + " removed (" + this.desired
					+ " workers wanted)");
			removeSlot(slot);
			left(worker, status);
			return;
		}
		String reported = report(worker, cause, status);
		Replacement owner = worker.owner;
		Replacement replacing = slot.replacement;
		// the slot's own process, gone: what comes next is for the slot to decide
		boolean slotDecides = owner == null && slot.current == worker && !this.stopping;
		boolean restart = crashed && slotDecides;
		if (!crashed) {
			logger.info(reported);
		}
		else if (!restart || slot.givingUp != null || !misconfigured(worker, status)) {
			logger.warn(reported);
		}
		left(worker, status);
		if (owner != null) {
			// a new process that never became READY: its replacement step decides, even
			// for MISCONFIGURED (the old workers of the last good build still run)
			owner.exited(worker, status);
		}
		else if (replacing != null) {
			replacing.exited(worker, status);
		}
		if (slotDecides && slot.givingUp != null) {
			giveUp(slot, slot.givingUp, status);
		}
		else if (!restart) {
			return;
		}
		else if (misconfigured(worker, status)) {
			misconfigured(slot, worker);
		}
		else {
			restartAfterCrash(slot, status);
		}
	}

	private static boolean misconfigured(Worker worker, int status) {
		return status == WorkerExit.MISCONFIGURED && worker.readyMillis == null;
	}

	/** Forgets a worker that left; completes the stop once none is left. */
	private void left(Worker worker, int status) {
		this.live.remove(worker);
		linksChanged();
		clusterChanged();
		if (this.stopping && this.live.isEmpty()) {
			this.allExited.complete(null);
		}
	}

	private String report(Worker worker, ExitCause cause, int status) {
		String who = worker.toString();
		if (worker.owner != null) {
			return "Replacement " + who + " exited before it was READY: " + ExitStatus.explain(status);
		}
		return switch (cause) {
			case CRASHED -> (worker.slot.retiring == worker || worker.slot.current != worker)
					? "Retiring " + who + " crashed: " + ExitStatus.explain(status)
					: who + " crashed: " + ExitStatus.explain(status);
			case HUNG -> who + " (hung) is gone: " + ExitStatus.explain(status);
			case REPLACED -> who + " " + stopped("replaced and stopped", status);
			case BROKEN -> who + " " + stopped("replaced (liveness BROKEN) and stopped", status);
			case RECYCLED -> who + " " + stopped("recycled and stopped", status);
			case STOPPED -> who + " " + stopped("stopped", status);
		};
	}

	/**
	 * {@code stopped gracefully (SIGTERM, exit 143)},
	 * {@code replaced and stopped gracefully (exited normally, exit 0)}.
	 */
	private static String stopped(String what, int status) {
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
	 */
	private void misconfigured(Slot slot, Worker worker) {
		transition(worker, WorkerState.FAILED);
		if (this.fatalReported) {
			// the other slots usually fail alike at the same moment: one report is enough
			logger.error(worker + " also exited with status " + WorkerExit.MISCONFIGURED
					+ " (EX_CONFIG) before it was READY; not restarted");
			return;
		}
		StringBuilder report = new StringBuilder(worker + " exited with status " + WorkerExit.MISCONFIGURED
				+ " (EX_CONFIG) before it was READY: the application cannot run as a cluster worker, so the master "
				+ "does not restart it. Why, in its last lines:");
		slot.lines.lines().forEach((line) -> report.append(System.lineSeparator()).append("    ").append(line));
		logger.error(report);
		this.fatalReported = true;
		reportFatal(worker + " exited misconfigured (EX_CONFIG, exit " + WorkerExit.MISCONFIGURED
				+ ") before it was READY: the application cannot run as a cluster worker (its last lines are logged)");
	}

	private void reportFatal(String reason) {
		Consumer<String> callback = this.fatal;
		if (callback == null) {
			logger.error("No fatal callback registered; the cluster keeps running without the failed slot");
			return;
		}
		// not on the loop: the callback stops the cluster and waits for it
		Thread thread = new Thread(() -> callback.accept(reason), "cluster-fatal");
		thread.start();
	}

	/**
	 * Restarts a slot whose process crashed (or could not be replaced) after its backoff,
	 * or gives it up when the crash-loop breaker trips.
	 * @param status the exit status, or null when there is none (a start that failed)
	 */
	void restartAfterCrash(Slot slot, @Nullable Integer status) {
		Decision decision = slot.tracker.recordCrash();
		if (decision instanceof Decision.Restart restart) {
			logger.info("Restarting worker-" + slot.id + " in " + restart.delay().toMillis() + " ms");
			slot.restartTimer = this.loop.schedule(restart.delay(), () -> restart(slot));
		}
		else if (decision instanceof Decision.GiveUp giveUp) {
			giveUp(slot, giveUp.reason(), status);
		}
	}

	private void giveUp(Slot slot, String reason, @Nullable Integer status) {
		Worker worker = slot.current;
		if (worker.state.isAlive()) {
			// marked FAILED once it is gone
			slot.givingUp = reason;
			return;
		}
		if (worker.state == WorkerState.CRASHED) {
			transition(worker, WorkerState.FAILED);
		}
		else {
			// it stopped as asked (a replacement that was removed): a failed start of its
			// own
			Worker failed = new Worker(slot, worker.startedFor, worker.candidate, "");
			failed.state = WorkerState.CRASHED;
			slot.current = failed;
			transition(failed, WorkerState.FAILED);
		}
		String last = "its last start failed";
		if (status != null) {
			String description = ExitStatus.describe(status);
			last = "last exit status " + status
					+ (description.equals("exit status " + status) ? "" : ", " + description);
		}
		StringBuilder report = new StringBuilder(
				"worker-" + slot.id + " FAILED: " + reason + "; " + last + ". Its last lines:");
		slot.lines.lines().forEach((line) -> report.append(System.lineSeparator()).append("    ").append(line));
		logger.error(report);
	}

	private void restart(Slot slot) {
		slot.restartTimer = null;
		Worker current = slot.current;
		if (this.stopping || slot.removed || current.state == WorkerState.FAILED || slot.replacement != null
				|| (current.state.isAlive() && current.stopCause == null)) {
			return;
		}
		slot.restarts++;
		launch(slot, StartReason.CRASH, false);
	}

	/** SIGTERM: Boot's graceful shutdown. */
	void terminate(Worker worker) {
		WorkerProcess process = worker.process;
		if (process != null) {
			process.terminate();
		}
	}

	/** SIGKILL. A worker still being started is killed once its process is seen. */
	void kill(Worker worker) {
		WorkerProcess process = worker.process;
		if (process != null) {
			process.kill();
		}
		else if (worker.stopCause == null) {
			worker.stopCause = ExitCause.STOPPED;
		}
	}

	/** Asks a worker to drain; one without an IPC connection gets SIGTERM. */
	void drain(Worker worker) {
		transition(worker, WorkerState.DRAINING);
		ClusterTimeouts timeouts = timeouts();
		Message.Drain drain = new Message.Drain(timeouts.drainQuietPeriod().toMillis(), timeouts.keepAlive().toMillis(),
				timeouts.drain().toMillis());
		IpcChannel channel = worker.channel;
		try {
			if (channel == null) {
				throw new IOException("no IPC connection");
			}
			channel.sendUrgent(drain);
		}
		catch (IOException ex) {
			logger.warn("Cannot ask " + worker + " to drain (" + ex.getMessage() + "); stopping it with SIGTERM");
			terminate(worker);
		}
	}

	// ---- state ----

	/**
	 * Moves a worker to {@code next}, as the state table allows; an illegal transition is
	 * a bug: logged as an error (and failing with assertions enabled, as in the tests),
	 * and not made.
	 */
	void transition(Worker worker, WorkerState next) {
		WorkerState from = worker.state;
		if (from == next) {
			return;
		}
		if (!from.canTransitionTo(next)) {
			String message = "Illegal worker state transition of " + worker + ": " + from + " -> " + next;
			logger.error(message);
			assert false : message;
			return;
		}
		worker.state = next;
		linksChanged();
		clusterChanged();
	}

	/** A worker's state or connection changed: where messages go may have too. */
	void linksChanged() {
		this.links.publishRecipients(this.slots.values());
	}

	/**
	 * Logs {@code Cluster ready} when every slot has just become READY, except during a
	 * rolling restart, whose end reports it; forgets it when a slot is not READY.
	 */
	private void clusterChanged() {
		int desired = this.desired;
		int ready = readyCount();
		if (activeSlots().size() < desired || ready < desired) {
			this.announcedReady = false;
			return;
		}
		if (this.announcedReady || this.stopping || this.rollingRestart.running() != null) {
			return;
		}
		this.announcedReady = true;
		logger.info("Cluster ready: " + ready + "/" + desired + " workers on port " + this.settings.port()
				+ " (listener " + this.settings.listener() + ")");
		if (this.everReady) {
			readyAgain();
			return;
		}
		this.everReady = true;
		Runnable first = this.firstReady;
		this.firstReady = null;
		if (first != null) {
			first.run();
		}
	}

	/**
	 * Runs {@link #readyAgain} now, or once its interval since the last run has passed.
	 */
	private void readyAgain() {
		if (this.readyAgain == null || this.readyAgainTimer != null || this.stopping) {
			return;
		}
		Instant now = clock().instant();
		Instant due = (this.readyAgainRan != null) ? this.readyAgainRan.plus(this.readyAgainInterval) : now;
		if (due.isAfter(now)) {
			this.readyAgainTimer = this.loop.schedule(Duration.between(now, due), () -> {
				this.readyAgainTimer = null;
				// not while a worker boots: the next Cluster ready runs it
				if (this.announcedReady) {
					readyAgain();
				}
			});
			return;
		}
		this.readyAgainRan = now;
		this.readyAgain.run();
	}

	/**
	 * Whether the host's available memory holds one more worker (half as much again as
	 * the largest one's RSS); true where either is unknown.
	 */
	private boolean memoryForASurge() {
		long largest = this.live.stream().mapToLong((worker) -> worker.rssBytes).max().orElse(-1);
		long available = ProcessMemory.availableBytes();
		return largest <= 0 || available < 0 || available > largest + largest / 2;
	}

	/**
	 * Slots a READY worker serves: the slot's own, or, while its replacement boots, the
	 * old one it replaces (the status's {@code ready}, so a surge-first rollout keeps it
	 * at {@code desired}).
	 */
	private int servingCount() {
		return (int) this.slots.values()
			.stream()
			.filter((slot) -> slot.state() == WorkerState.READY
					|| (slot.retiring != null && slot.retiring.state == WorkerState.READY))
			.count();
	}

	private int readyCount() {
		return (int) this.slots.values().stream().filter((slot) -> slot.state() == WorkerState.READY).count();
	}

	// ---- replacements ----

	/**
	 * Replaces the process of a slot through a {@link Replacement} step, at once or once
	 * the step running in the slot ended.
	 */
	void replace(Slot slot, StartReason reason, boolean candidate, Replacement.Retire retire, ExitCause retireCause,
			Replacement.Outcome outcome) {
		Replacement replacement = new Replacement(this, slot, reason, candidate, retire, retireCause, outcome);
		if (slot.replacement != null) {
			slot.waiting.add(replacement);
			return;
		}
		begin(replacement);
	}

	private void begin(Replacement replacement) {
		Slot slot = replacement.slot;
		if (this.stopping) {
			replacement.cancel();
			return;
		}
		if (slot.current.state == WorkerState.FAILED) {
			// a rollout may bring the fix: the slot starts afresh, breaker and all
			slot.tracker.reset();
			slot.givingUp = null;
		}
		slot.replacement = replacement;
		replacement.start();
	}

	/** Told by a replacement step once it ended, whichever way. */
	void replacementEnded(Replacement replacement) {
		Slot slot = replacement.slot;
		if (slot.replacement == replacement) {
			slot.replacement = null;
		}
		clusterChanged();
		Replacement next = slot.waiting.poll();
		if (next != null) {
			begin(next);
		}
	}

	/** Told by the hang watch once a hung worker's thread dump had its time. */
	void replaceHung(Worker worker) {
		if (!this.stopping) {
			replaceFailed(worker, StartReason.HUNG, Replacement.Retire.KILL, ExitCause.HUNG, "hung");
		}
	}

	/**
	 * Replaces a worker that hung or broke, counting it as a crash for the crash-loop
	 * breaker.
	 */
	private void replaceFailed(Worker worker, StartReason reason, Replacement.Retire retire, ExitCause cause,
			String what) {
		Slot slot = worker.slot;
		Decision decision = slot.tracker.recordCrash();
		if (decision instanceof Decision.GiveUp giveUp) {
			slot.givingUp = giveUp.reason() + " (counting this " + what + " worker)";
			worker.stopCause = cause;
			if (retire == Replacement.Retire.KILL) {
				kill(worker);
			}
			else {
				terminate(worker);
			}
			return;
		}
		slot.restarts++;
		replace(slot, reason, worker.candidate, retire, cause, new Replacement.Outcome() {

			@Override
			public void replaced(Replacement replacement) {
				logger.info("worker-" + slot.id + " replaced: the " + what + " process is gone");
			}

			@Override
			public void failed(Replacement replacement, String reasonText, List<String> lines) {
				// the replacement step fell back to a crash restart
			}

		});
	}

	/** What the master's IPC server hands the connections of workers to. */
	public IpcServer.Handler ipcHandler() {
		return this.links;
	}

	// ---- rolling restart ----

	/**
	 * Starts a rolling restart unless one is running.
	 * @param trigger what asked for it, for the status
	 * @throws IllegalStateException when the cluster is stopping
	 */
	public Message.RestartReply startRollingRestart(long requestId, String trigger) {
		return this.loop.call(() -> rollingRestart(requestId, trigger), CALL_TIMEOUT);
	}

	/** On the loop: a rolling restart asked for by a worker. */
	Message.RestartReply rollingRestart(long requestId, String trigger) {
		if (this.stopping) {
			throw new IllegalStateException("the cluster is stopping");
		}
		return this.rollingRestart.start(requestId, trigger, activeSlots());
	}

	/** Told by the rolling restart once it ended, whatever the outcome. */
	void rolloutEnded() {
		clusterChanged();
	}

	/** A worker reported READY. */
	void ready(Worker worker) {
		if (worker.state != WorkerState.STARTING) {
			return;
		}
		Instant now = clock().instant();
		worker.readyAt = now;
		WorkerProcess process = worker.process;
		worker.readyMillis = (process != null) ? Duration.between(process.startedAt(), now).toMillis() : 0;
		logger.info(worker + " READY in " + worker.readyMillis + " ms");
		worker.recycleLimits = this.settings.recycle().draw();
		transition(worker, WorkerState.READY);
		Replacement owner = worker.owner;
		if (owner != null) {
			owner.freshReady();
		}
	}

	/** A worker proved it can still serve. */
	void heartbeat(Worker worker, long heapUsedBytes) {
		worker.lastHeartbeat = clock().instant();
		worker.heapUsedBytes = heapUsedBytes;
		worker.rssBytes = ProcessMemory.rssBytes(worker.pid);
		if (worker.silent) {
			worker.silent = false;
			logger.info(worker + " sends heartbeats again");
			linksChanged();
		}
	}

	/**
	 * A heartbeat with figures: the requests served (for the req/s of the status) and the
	 * heap after GC; a READY worker over a recycling limit is recycled.
	 */
	void pulse(Worker worker, Message.Pulse pulse) {
		heartbeat(worker, pulse.heapUsedBytes());
		worker.heapAfterGcBytes = pulse.heapAfterGcBytes();
		worker.heapMaxBytes = pulse.heapMaxBytes();
		worker.requests = pulse.requests();
		long now = clock().millis();
		Deque<long[]> samples = worker.requestSamples;
		samples.addLast(new long[] { now, pulse.requests() });
		while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW.toMillis()) {
			samples.removeFirst();
		}
		long[] first = samples.peekFirst();
		long elapsed = now - first[0];
		worker.requestsPerSecond = (elapsed > 0) ? (pulse.requests() - first[1]) * 1000.0 / elapsed : -1;
		recycleIfDue();
	}

	/**
	 * Recycles the first READY worker over one of its {@code cluster.recycle.*} limits,
	 * unless a replacement of any slot or a rolling restart is under way: one at a time.
	 */
	private void recycleIfDue() {
		RecyclePolicy recycle = this.settings.recycle();
		if (!recycle.enabled() || this.stopping) {
			return;
		}
		if (this.rollingRestart.running() != null) {
			return;
		}
		for (Slot slot : this.slots.values()) {
			if (slot.replacement != null || !slot.waiting.isEmpty()) {
				return;
			}
		}
		Instant now = clock().instant();
		for (Slot slot : activeSlots()) {
			Worker worker = slot.current;
			WorkerProcess process = worker.process;
			if (worker.state != WorkerState.READY || process == null || worker.recycleReason != null) {
				continue;
			}
			String reason = recycle.due(worker.recycleLimits, worker.requests,
					Duration.between(process.startedAt(), now), worker.heapAfterGcBytes, worker.heapMaxBytes);
			if (reason != null) {
				recycle(worker, reason);
				return;
			}
		}
	}

	private void recycle(Worker worker, String reason) {
		Slot slot = worker.slot;
		worker.recycleReason = reason;
		logger.info("Recycling " + worker + ": " + reason);
		replace(slot, StartReason.RECYCLE, worker.candidate, Replacement.Retire.DRAIN, ExitCause.RECYCLED,
				new Replacement.Outcome() {

					@Override
					public void replaced(Replacement replacement) {
						logger.info("worker-" + slot.id + " recycled: " + worker + " is gone, " + replacement.fresh()
								+ " serves");
					}

					@Override
					public void failed(Replacement replacement, String reasonText, List<String> lines) {
						// the replacement step logged it; the old process, if it still
						// serves, is not recycled again (recycleReason stays set)
					}

				});
	}

	/** The live worker with this pid, or null (for the tests). */
	@Nullable Worker worker(long pid) {
		return this.live.stream().filter((worker) -> worker.pid == pid).findFirst().orElse(null);
	}

	void liveness(Worker worker, boolean broken) {
		if (!broken || worker.state != WorkerState.READY) {
			return;
		}
		transition(worker, WorkerState.BROKEN);
		logger.warn(worker + " reported LivenessState.BROKEN: replacing it (it drains once the replacement is READY)");
		if (worker.slot.current == worker) {
			replaceFailed(worker, StartReason.LIVENESS, Replacement.Retire.DRAIN, ExitCause.BROKEN,
					"broken (liveness)");
		}
	}

	// ---- status ----

	/** Bytes the cluster store holds now (from any thread). */
	public long storeBytes() {
		return this.store.stats().bytesUsed();
	}

	/** The cluster as the loop sees it now. */
	public ClusterSnapshot snapshot() {
		return this.loop.call(this::buildSnapshot, CALL_TIMEOUT);
	}

	/** The cluster now, on the loop. */
	ClusterSnapshot buildSnapshot() {
		Instant now = clock().instant();
		List<WorkerSnapshot> snapshots = new ArrayList<>();
		// the cluster's restarts are the sum of its slots'
		long restarts = 0;
		for (Slot slot : this.slots.values()) {
			snapshots.add(slot.snapshot(now));
			restarts += slot.restarts;
		}
		return new ClusterSnapshot(ClusterRole.MASTER, ProcessHandle.current().pid(), this.desired, servingCount(),
				restarts, this.settings.port(), snapshots, this.rollingRestart.latest(), this.settings.listener(),
				this.settings.tcpMigrateReq(), this.store.stats(), masterRss());
	}

	/** The master's resident memory, read at most once a second. */
	private long masterRss() {
		long now = clock().millis();
		if (this.masterRssAt == 0 || now - this.masterRssAt >= 1000) {
			this.masterRssBytes = ProcessMemory.rssBytes(ProcessHandle.current().pid());
			this.masterRssAt = now;
		}
		return this.masterRssBytes;
	}

	// ---- scaling ----

	/**
	 * Sets how many workers run: starts new slots (the lowest free ids) or drains the
	 * surplus ones (the highest ids), each READY one as a rolling restart retires a
	 * worker (it stops taking connections, finishes what it holds, exits); a slot whose
	 * process is not READY is stopped or dropped at once. On the loop.
	 * @param workers the new count, 1 to {@value #MAX_WORKERS}
	 * @param trigger who asks, for the log
	 * @return the count before
	 * @throws IllegalArgumentException for a count out of range
	 * @throws IllegalStateException while the cluster stops, a rolling restart runs, or a
	 * slot to remove is being replaced
	 */
	int scale(int workers, String trigger) {
		if (workers < 1 || workers > MAX_WORKERS) {
			throw new IllegalArgumentException(
					"A worker count is a whole number from 1 to " + MAX_WORKERS + ", not " + workers);
		}
		if (this.stopping) {
			throw new IllegalStateException("The cluster is stopping");
		}
		RestartOperation rollout = this.rollingRestart.running();
		if (rollout != null) {
			throw new IllegalStateException("A rolling restart (" + rollout.id() + ") is running; scale once it ended");
		}
		List<Slot> active = activeSlots();
		List<Slot> surplus = new ArrayList<>(active.subList(Math.min(workers, active.size()), active.size()));
		for (Slot slot : surplus) {
			if (slot.replacement != null) {
				throw new IllegalStateException("worker-" + slot.id + " is being replaced; scale once it is done");
			}
		}
		int before = this.desired;
		this.desired = workers;
		if (before != workers) {
			logger.info("Scaling from " + before + " to " + workers + " workers (" + trigger + ")");
		}
		for (int count = active.size(), id = 1; count < workers; id++) {
			if (!this.slots.containsKey(id)) {
				Slot slot = new Slot(id, this.policy.newTracker());
				this.slots.put(id, slot);
				launch(slot, StartReason.START, false);
				count++;
			}
		}
		// highest ids first
		for (int i = surplus.size() - 1; i >= 0; i--) {
			retire(surplus.get(i));
		}
		clusterChanged();
		return before;
	}

	/** Scales by {@code delta} workers (SIGTTIN and SIGTTOU), within 1 to the maximum. */
	public void scaleBy(int delta, String trigger) {
		this.loop.execute(() -> {
			int target = Math.max(1, Math.min(MAX_WORKERS, this.desired + delta));
			if (target == this.desired) {
				logger.info("Not scaling on " + trigger + ": " + this.desired + " workers is the "
						+ ((delta < 0) ? "least" : "most") + " there can be");
				return;
			}
			try {
				scale(target, trigger);
			}
			catch (IllegalStateException ex) {
				logger.warn("Not scaling on " + trigger + ": " + ex.getMessage());
			}
		});
	}

	private void retire(Slot slot) {
		slot.removed = true;
		slot.waiting.clear();
		if (slot.restartTimer != null) {
			slot.restartTimer.cancel();
			slot.restartTimer = null;
		}
		Worker worker = slot.current;
		if (!worker.state.isAlive()) {
			logger.info("worker-" + slot.id + " removed (" + this.desired + " workers wanted)");
			removeSlot(slot);
			return;
		}
		worker.stopCause = ExitCause.STOPPED;
		if (worker.state == WorkerState.READY) {
			drain(worker);
		}
		else {
			terminate(worker);
		}
	}

	private void removeSlot(Slot slot) {
		this.slots.remove(slot.id);
		linksChanged();
	}

	/** The slots not scaled away, in id order. */
	private List<Slot> activeSlots() {
		return this.slots.values().stream().filter((slot) -> !slot.removed).toList();
	}

	// ---- stop ----

	/**
	 * Stops every worker gracefully (SIGTERM, so each runs Boot's graceful shutdown),
	 * waiting up to {@code timeout} before killing what is left; a rolling restart under
	 * way ends ABORTED.
	 */
	public void stop(Duration timeout) {
		boolean first;
		try {
			first = this.loop.call(this::beginStop, CALL_TIMEOUT);
		}
		catch (IllegalStateException ex) {
			return;
		}
		if (!first || this.loop.inLoop()) {
			return;
		}
		try {
			this.allExited.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			this.loop.execute(this::killRemaining);
			try {
				this.allExited.get(Replacement.KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (TimeoutException | ExecutionException ignored) {
				logger.error("Some workers were not seen to exit after SIGKILL");
			}
			catch (InterruptedException interrupted) {
				Thread.currentThread().interrupt();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.loop.execute(this::killRemaining);
		}
		catch (ExecutionException ex) {
			// never completed exceptionally
		}
		finally {
			this.loop.shutdown();
			if (this.ownedLauncher != null) {
				this.ownedLauncher.shutdownNow();
			}
		}
	}

	private boolean beginStop() {
		if (this.stopping) {
			return false;
		}
		this.stopping = true;
		this.hangs.stop();
		this.rollingRestart.abort("the cluster is stopping");
		for (Slot slot : this.slots.values()) {
			if (slot.restartTimer != null) {
				slot.restartTimer.cancel();
			}
			if (slot.replacement != null) {
				slot.replacement.cancel();
			}
			slot.waiting.clear();
		}
		logger.info("Stopping " + this.live.size() + " workers (timeout " + timeouts().shutdown().toSeconds() + " s)");
		for (Worker worker : this.live) {
			if (worker.stopCause == null) {
				worker.stopCause = ExitCause.STOPPED;
			}
			if (worker.state == WorkerState.STARTING || worker.state == WorkerState.READY
					|| worker.state == WorkerState.BROKEN) {
				transition(worker, WorkerState.DRAINING);
			}
			terminate(worker);
		}
		if (this.live.isEmpty()) {
			this.allExited.complete(null);
		}
		return true;
	}

	private void killRemaining() {
		for (Worker worker : this.live) {
			logger.warn(worker + " did not stop within " + timeouts().shutdown().toSeconds() + " s; killing it");
			kill(worker);
		}
	}

}
