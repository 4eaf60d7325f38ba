package dev.bootcluster.master;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.WorkerState;

/**
 * Finds hung workers: every heartbeat interval, on the supervisor's loop, a READY worker
 * whose last heartbeat (or READY) is older than {@code heartbeat-timeout} is HUNG. Before
 * that, once it missed {@value #SILENT_INTERVALS} heartbeats, it is silent: broadcasts
 * are still sent to it but no longer wait for its acknowledgement, so the others keep
 * their usual latency. A hung worker is asked for a thread dump (SIGQUIT, and SIGCONT
 * when stopped), whose lines its output relay keeps until the dump's last line, or for
 * {@link ClusterTimeouts#THREAD_DUMP} at most; then the supervisor replaces it.
 */
final class HangWatch {

	private static final Log logger = LogFactory.getLog(HangWatch.class);

	/**
	 * Heartbeat intervals without one after which a READY worker is silent: a broadcast
	 * does not wait for it.
	 */
	static final int SILENT_INTERVALS = 3;

	/** Lines of a thread dump kept. */
	static final int THREAD_DUMP_LINES = 10_000;

	private final Supervisor supervisor;

	private final SupervisorLoop loop;

	private final Executor launcher;

	private final WorkerSignals signals;

	private SupervisorLoop.@Nullable Timer next;

	HangWatch(Supervisor supervisor, SupervisorLoop loop, Executor launcher, WorkerSignals signals) {
		this.supervisor = supervisor;
		this.loop = loop;
		this.launcher = launcher;
		this.signals = signals;
	}

	void start(Collection<Slot> slots) {
		this.next = this.loop.schedule(this.supervisor.timeouts().heartbeatInterval(), () -> check(slots));
	}

	void stop() {
		if (this.next != null) {
			this.next.cancel();
		}
	}

	private void check(Collection<Slot> slots) {
		Instant now = this.loop.clock().instant();
		Duration timeout = this.supervisor.timeouts().heartbeatTimeout();
		Duration silence = this.supervisor.timeouts().heartbeatInterval().multipliedBy(SILENT_INTERVALS);
		boolean changed = false;
		for (Slot slot : slots) {
			for (Worker worker : new Worker[] { slot.current, slot.retiring }) {
				if (worker == null || worker.state != WorkerState.READY) {
					continue;
				}
				Instant last = worker.lastHeartbeat;
				if (last == null || (worker.readyAt != null && worker.readyAt.isAfter(last))) {
					last = worker.readyAt;
				}
				if (last == null) {
					continue;
				}
				Duration quiet = Duration.between(last, now);
				if (quiet.compareTo(timeout) > 0) {
					hung(worker, quiet);
				}
				else if (!worker.silent && quiet.compareTo(silence) > 0) {
					worker.silent = true;
					changed = true;
					logger.warn(worker + " sent no heartbeat for " + quiet.toMillis()
							+ " ms: broadcasts no longer wait for its acknowledgement");
				}
			}
		}
		if (changed) {
			this.supervisor.linksChanged();
		}
		this.next = this.loop.schedule(this.supervisor.timeouts().heartbeatInterval(), () -> check(slots));
	}

	/**
	 * A READY worker missed its heartbeats: thread dump first (for a few seconds), then a
	 * replacement; it is killed once the replacement is READY.
	 */
	private void hung(Worker worker, Duration silent) {
		this.supervisor.transition(worker, WorkerState.HUNG);
		logger.warn(worker + " is HUNG: no heartbeat for " + silent.toMillis()
				+ " ms (cluster.worker.heartbeat-timeout=" + this.supervisor.timeouts().heartbeatTimeout().toMillis()
				+ "ms); asking it for a thread dump (SIGQUIT)");
		WorkerProcess process = worker.process;
		if (process != null) {
			// on with the replacement once the dump is whole, or after the allowance
			process.startCapture(THREAD_DUMP_LINES).thenRun(() -> this.loop.execute(() -> afterThreadDump(worker)));
		}
		long pid = worker.pid;
		this.launcher.execute(() -> {
			String done = this.signals.threadDump(pid);
			logger.info(worker + ": " + done);
		});
		this.loop.schedule(ClusterTimeouts.THREAD_DUMP, () -> afterThreadDump(worker));
	}

	private void afterThreadDump(Worker worker) {
		if (worker.dumped) {
			return;
		}
		worker.dumped = true;
		WorkerProcess process = worker.process;
		List<String> dump = (process != null) ? process.stopCapture() : List.of();
		long dumped = dump.stream().filter((line) -> line.startsWith("Full thread dump")).count();
		logger.warn(worker + (dumped > 0 ? " printed a thread dump (" + dump.size() + " lines, above)"
				: " printed no thread dump within " + ClusterTimeouts.THREAD_DUMP.toSeconds() + " s"));
		Slot slot = worker.slot;
		if (worker.state.isAlive() && slot.current == worker) {
			// (when it is not the slot's current one, a replacement of the slot is under
			// way, and kills it once its new process is READY)
			this.supervisor.replaceHung(worker);
		}
	}

}
