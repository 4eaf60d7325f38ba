package dev.bootcluster.master;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.RestartOperation;
import dev.bootcluster.RestartOperation.State;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.master.Supervisor.ReplacementFailedException;
import dev.bootcluster.master.Supervisor.Worker;

/**
 * Replaces the workers one at a time, surge first: start the replacement from the build
 * on disk, wait until it is READY, then drain the old worker and wait for it to exit. A
 * replacement that exits or is not READY in time stops the rollout: it is removed, the
 * old workers keep serving, and the operation reports FAILED with the reason and the
 * replacement's last lines.
 */
public final class RollingRestart {

	private static final Log logger = LogFactory.getLog(RollingRestart.class);

	private final Supervisor supervisor;

	private final SupervisorSettings settings;

	private final Clock clock;

	private final ExecutorService executor = Executors.newSingleThreadExecutor((task) -> {
		Thread thread = new Thread(task, "cluster-rolling-restart");
		thread.setDaemon(true);
		return thread;
	});

	private final AtomicLong ids = new AtomicLong();

	private @Nullable RestartOperation latest;

	private @Nullable Listener listener;

	RollingRestart(Supervisor supervisor, SupervisorSettings settings, Clock clock) {
		this.supervisor = supervisor;
		this.settings = settings;
		this.clock = clock;
	}

	void setListener(Listener listener) {
		this.listener = listener;
	}

	synchronized @Nullable RestartOperation latest() {
		return this.latest;
	}

	/** Starts a rolling restart, or reports the one already running. */
	Message.RestartReply start(long requestId, String trigger) {
		// Taken before this object's lock: Supervisor.snapshot() holds the supervisor's
		// lock while it reads latest(), so holding ours while taking the supervisor's
		// would deadlock the master.
		List<Integer> slots = this.supervisor.slotIds();
		synchronized (this) {
			return start(requestId, trigger, slots);
		}
	}

	private Message.RestartReply start(long requestId, String trigger, List<Integer> slots) {
		if (this.latest != null && this.latest.inProgress()) {
			return new Message.RestartReply(requestId, false, this.latest);
		}
		if (this.supervisor.isStopping()) {
			throw new IllegalStateException("the cluster is stopping");
		}
		String id = "restart-" + this.ids.incrementAndGet();
		RestartOperation operation = new RestartOperation(id, State.RUNNING, trigger, 0, slots.size(), "starting",
				this.clock.instant(), null, null, List.of());
		this.latest = operation;
		logger.info("Rolling restart " + id + " of " + slots.size() + " workers started (" + trigger + ")");
		this.executor.execute(() -> run(id, slots));
		return new Message.RestartReply(requestId, true, operation);
	}

	private void run(String id, List<Integer> slots) {
		int replaced = 0;
		List<String> notes = new java.util.ArrayList<>();
		if (this.listener != null) {
			try {
				this.listener.started();
			}
			catch (RuntimeException ex) {
				fail(id, replaced, "preparing the new build", ex.getMessage(), List.of());
				return;
			}
		}
		for (int slotId : slots) {
			if (this.supervisor.isStopping()) {
				fail(id, replaced, "cluster stopping", "the cluster is stopping", List.of());
				return;
			}
			update(id, replaced, "starting a replacement for worker-" + slotId);
			Worker fresh = this.supervisor.startReplacement(slotId);
			if (fresh == null) {
				fail(id, replaced, "starting a replacement for worker-" + slotId,
						"the replacement for worker-" + slotId + " could not be started", List.of());
				return;
			}
			update(id, replaced, "waiting for replacement worker-" + slotId + " (pid " + fresh.pid() + ") to be READY");
			String failure = awaitReady(fresh);
			if (failure != null) {
				this.supervisor.rollback(slotId, fresh);
				List<String> lines = this.supervisor.lastLines(slotId);
				fail(id, replaced, "rolled back worker-" + slotId, "replacement worker-" + slotId + " (pid "
						+ fresh.pid() + ") " + failure + "; the old workers keep serving", lines);
				return;
			}
			Worker old = this.supervisor.drainRetiring(slotId);
			if (old != null) {
				update(id, replaced, "draining worker-" + slotId + " (pid " + old.pid() + ")");
				String timedOut = this.supervisor.awaitExit(old, this.settings.drainTimeout().plusSeconds(5));
				if (timedOut != null) {
					notes.add(timedOut);
				}
			}
			replaced++;
			update(id, replaced, "replaced worker-" + slotId);
		}
		finish(id, replaced, notes);
	}

	private @Nullable String awaitReady(Worker fresh) {
		Duration timeout = this.settings.readyTimeout();
		try {
			fresh.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return null;
		}
		catch (TimeoutException ex) {
			return "was not READY within " + timeout.toSeconds() + " s (cluster.restart.ready-timeout)";
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof ReplacementFailedException failed) {
				return "exited with status " + failed.status() + " before it was READY";
			}
			return "failed: " + ex.getCause();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "was interrupted";
		}
	}

	private synchronized void update(String id, int replaced, String step) {
		RestartOperation current = this.latest;
		if (current != null && current.id().equals(id)) {
			this.latest = new RestartOperation(id, State.RUNNING, current.trigger(), replaced, current.total(), step,
					current.startedAt(), null, null, List.of());
		}
	}

	private void fail(String id, int replaced, String step, String reason, List<String> lines) {
		RestartOperation operation;
		synchronized (this) {
			RestartOperation current = this.latest;
			operation = new RestartOperation(id, State.FAILED, (current != null) ? current.trigger() : "?", replaced,
					(current != null) ? current.total() : 0, step,
					(current != null) ? current.startedAt() : this.clock.instant(), this.clock.instant(), reason,
					lines);
			this.latest = operation;
		}
		logger.error("Rolling restart " + id + " FAILED: " + reason);
		// outside this object's lock, as everywhere: the supervisor's lock is taken
		// before it
		this.supervisor.rolloutEnded();
		if (this.listener != null) {
			this.listener.finished(operation);
		}
	}

	private void finish(String id, int replaced, List<String> notes) {
		RestartOperation operation;
		synchronized (this) {
			RestartOperation current = this.latest;
			operation = new RestartOperation(id, State.SUCCEEDED, (current != null) ? current.trigger() : "?", replaced,
					replaced, notes.isEmpty() ? "done" : "done; " + String.join("; ", notes),
					(current != null) ? current.startedAt() : this.clock.instant(), this.clock.instant(), null,
					List.of());
			this.latest = operation;
		}
		Duration took = Duration.between(operation.startedAt(), operation.finishedAt());
		logger.info("Rolling restart " + id + " SUCCEEDED: " + replaced + " workers replaced in " + took.toMillis()
				+ " ms");
		this.supervisor.rolloutEnded();
		if (this.listener != null) {
			this.listener.finished(operation);
		}
	}

	void shutdown() {
		this.executor.shutdownNow();
	}

	/**
	 * Told when a rollout starts and how it ended (the master keeps the last good build).
	 */
	public interface Listener {

		void started();

		void finished(RestartOperation operation);

	}

}
