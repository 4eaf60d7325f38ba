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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.IpcServer;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.Message.Hello;
import dev.bootcluster.master.RestartPolicy.Decision;

/**
 * Keeps {@code desired} workers running: starts them, replaces crashed ones as the
 * {@link RestartPolicy} decides, answers their IPC messages and stops them all gracefully.
 */
public final class Supervisor implements IpcServer.Handler {

	private static final Log logger = LogFactory.getLog(Supervisor.class);

	/** Lines kept per worker slot for failure reports. */
	static final int LAST_LINES = 50;

	private final int desired;

	private final int port;

	private final WorkerStarter starter;

	private final RestartPolicy policy;

	private final Clock clock;

	private final PrintStream out;

	private final PrintStream err;

	private final ScheduledExecutorService scheduler;

	private final Map<Integer, Slot> slots = new LinkedHashMap<>();

	private long restarts;

	private volatile boolean stopping;

	public Supervisor(int desired, int port, WorkerStarter starter, RestartPolicy policy) {
		this(desired, port, starter, policy, System.out, System.err);
	}

	Supervisor(int desired, int port, WorkerStarter starter, RestartPolicy policy, PrintStream out,
			PrintStream err) {
		this.desired = desired;
		this.port = port;
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
	}

	/** Starts every worker slot. */
	public synchronized void start() {
		logger.info("Starting " + this.desired + " workers on port " + this.port + " (master pid "
				+ ProcessHandle.current().pid() + ")");
		for (int id = 1; id <= this.desired; id++) {
			Slot slot = new Slot(id);
			this.slots.put(id, slot);
			launch(slot);
		}
	}

	private void launch(Slot slot) {
		Process process;
		try {
			process = this.starter.start(slot.id);
		}
		catch (IOException | RuntimeException ex) {
			logger.error("Could not start worker-" + slot.id + ": " + ex.getMessage());
			slot.state = WorkerState.CRASHED;
			slot.lastExit = -1;
			scheduleAfterCrash(slot);
			return;
		}
		WorkerProcess worker = new WorkerProcess(slot.id, process, this.clock.instant());
		slot.process = worker;
		slot.state = WorkerState.STARTING;
		slot.stopRequested = false;
		slot.readyMillis = null;
		slot.lastHeartbeat = null;
		worker.relayOutput(this.out, this.err, slot.lines);
		logger.info("Started worker-" + slot.id + " (pid " + worker.pid() + ")");
		worker.onExit().whenComplete((exited, ex) -> exited(slot, worker));
	}

	private synchronized void exited(Slot slot, WorkerProcess worker) {
		if (slot.process != worker) {
			return;
		}
		int status = worker.exitValue();
		slot.lastExit = status;
		closeChannel(slot);
		if (this.stopping || slot.stopRequested) {
			slot.state = WorkerState.STOPPED;
			logger.info("worker-" + slot.id + " (pid " + worker.pid() + ") stopped with status " + status);
			notifyAll();
			return;
		}
		slot.state = WorkerState.CRASHED;
		logger.warn("worker-" + slot.id + " (pid " + worker.pid() + ") exited unexpectedly with status " + status);
		scheduleAfterCrash(slot);
	}

	private void scheduleAfterCrash(Slot slot) {
		Decision decision = slot.tracker.recordCrash();
		if (decision instanceof Decision.Restart restart) {
			logger.info("Restarting worker-" + slot.id + " in " + restart.delay().toMillis() + " ms");
			this.scheduler.schedule(() -> restart(slot), restart.delay().toMillis(), TimeUnit.MILLISECONDS);
		}
		else if (decision instanceof Decision.GiveUp giveUp) {
			slot.state = WorkerState.FAILED;
			StringBuilder report = new StringBuilder("worker-" + slot.id + " FAILED: " + giveUp.reason()
					+ "; last exit status " + slot.lastExit + ". Its last lines:");
			slot.lines.lines().forEach((line) -> report.append(System.lineSeparator()).append("    ").append(line));
			logger.error(report);
		}
	}

	private synchronized void restart(Slot slot) {
		if (this.stopping || slot.state != WorkerState.CRASHED) {
			return;
		}
		slot.restarts++;
		this.restarts++;
		launch(slot);
	}

	@Override
	public synchronized void connected(Hello hello, IpcChannel channel) {
		Slot slot = this.slots.get(hello.workerId());
		if (slot == null || slot.process == null || slot.process.pid() != hello.pid()) {
			logger.warn("Rejecting IPC connection from pid " + hello.pid() + " claiming to be worker-"
					+ hello.workerId() + ": no such worker process");
			channel.close();
			return;
		}
		closeChannel(slot);
		slot.channel = channel;
	}

	@Override
	public void received(Hello hello, IpcChannel channel, Message message) throws IOException {
		if (message instanceof Message.Ready) {
			ready(hello);
		}
		else if (message instanceof Message.Heartbeat heartbeat) {
			heartbeat(hello, heartbeat);
			channel.send(new Message.StatusReply(0, snapshot()));
		}
		else if (message instanceof Message.StatusRequest request) {
			channel.send(new Message.StatusReply(request.requestId(), snapshot()));
		}
		else {
			logger.warn("Ignoring " + message.getClass().getSimpleName() + " sent to the master by worker-"
					+ hello.workerId());
		}
	}

	private synchronized void ready(Hello hello) {
		Slot slot = slotOf(hello);
		if (slot != null && slot.state == WorkerState.STARTING) {
			slot.state = WorkerState.READY;
			slot.readyMillis = Duration.between(slot.process.startedAt(), this.clock.instant()).toMillis();
			logger.info("worker-" + slot.id + " (pid " + hello.pid() + ") READY in " + slot.readyMillis + " ms");
			notifyAll();
		}
	}

	private synchronized void heartbeat(Hello hello, Message.Heartbeat heartbeat) {
		Slot slot = slotOf(hello);
		if (slot != null) {
			slot.lastHeartbeat = this.clock.instant();
			slot.heapUsedBytes = heartbeat.heapUsedBytes();
		}
	}

	private @Nullable Slot slotOf(Hello hello) {
		Slot slot = this.slots.get(hello.workerId());
		return (slot != null && slot.process != null && slot.process.pid() == hello.pid()) ? slot : null;
	}

	@Override
	public synchronized void disconnected(Hello hello, IpcChannel channel) {
		Slot slot = this.slots.get(hello.workerId());
		if (slot != null && slot.channel == channel) {
			slot.channel = null;
		}
	}

	private static void closeChannel(Slot slot) {
		if (slot.channel != null) {
			slot.channel.close();
			slot.channel = null;
		}
	}

	/** Waits until every slot is READY or the timeout passes. */
	public synchronized boolean awaitAllReady(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (readyCount() < this.desired) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				return false;
			}
			TimeUnit.NANOSECONDS.timedWait(this, left);
		}
		return true;
	}

	private int readyCount() {
		return (int) this.slots.values().stream().filter((slot) -> slot.state == WorkerState.READY).count();
	}

	public synchronized ClusterSnapshot snapshot() {
		Instant now = this.clock.instant();
		List<WorkerSnapshot> workers = new ArrayList<>();
		for (Slot slot : this.slots.values()) {
			workers.add(slot.snapshot(now));
		}
		return new ClusterSnapshot(ClusterRole.MASTER, ProcessHandle.current().pid(), this.desired, readyCount(),
				this.restarts, this.port, workers);
	}

	/**
	 * Stops every worker gracefully (SIGTERM, so each runs Boot's graceful shutdown), waiting up to
	 * {@code timeout} before killing what is left.
	 */
	public void stop(Duration timeout) {
		List<WorkerProcess> running = new ArrayList<>();
		synchronized (this) {
			if (this.stopping) {
				return;
			}
			this.stopping = true;
			for (Slot slot : this.slots.values()) {
				if (slot.process != null && slot.process.isAlive()) {
					slot.stopRequested = true;
					slot.state = (slot.state.isAlive()) ? WorkerState.DRAINING : slot.state;
					running.add(slot.process);
				}
			}
		}
		this.scheduler.shutdownNow();
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

	/** Kills every worker at once, for a master that cannot wait. */
	public void killAll() {
		List<WorkerProcess> running = new ArrayList<>();
		synchronized (this) {
			this.stopping = true;
			this.slots.values().stream().filter((slot) -> slot.process != null).forEach((s) -> running.add(s.process));
		}
		running.forEach(WorkerProcess::kill);
	}

	private final class Slot {

		final int id;

		final LineBuffer lines = new LineBuffer(LAST_LINES);

		final RestartPolicy.Tracker tracker = Supervisor.this.policy.newTracker();

		WorkerState state = WorkerState.STARTING;

		@Nullable WorkerProcess process;

		@Nullable IpcChannel channel;

		boolean stopRequested;

		int restarts;

		@Nullable Integer lastExit;

		@Nullable Long readyMillis;

		@Nullable Instant lastHeartbeat;

		long heapUsedBytes;

		Slot(int id) {
			this.id = id;
		}

		WorkerSnapshot snapshot(Instant now) {
			WorkerProcess current = this.process;
			long pid = (current != null) ? current.pid() : -1;
			Instant startedAt = (current != null) ? current.startedAt() : null;
			long uptime = (startedAt != null && this.state.isAlive()) ? Duration.between(startedAt, now).toMillis() : 0;
			List<String> lastLines = (this.state == WorkerState.FAILED) ? this.lines.lines() : List.of();
			return new WorkerSnapshot(this.id, pid, this.state, startedAt, uptime, this.readyMillis, this.restarts,
					this.lastExit, this.lastHeartbeat, this.heapUsedBytes, lastLines);
		}

	}

}
