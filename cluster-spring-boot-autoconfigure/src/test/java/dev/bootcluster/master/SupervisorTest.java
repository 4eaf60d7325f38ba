package dev.bootcluster.master;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;
import dev.bootcluster.WorkerExit;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.Message.Hello;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link Supervisor}, with {@link FakeProcess fake processes} whose exits the
 * tests decide and READY reported through {@link Supervisor#ready} (no IPC connection, so
 * a drained worker is stopped with SIGTERM).
 */
@ExtendWith(OutputCaptureExtension.class)
class SupervisorTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** How long a test watches for a restart that must not come (the backoff is 1 ms). */
	private static final Duration NO_RESTART = Duration.ofMillis(300);

	private static final String CLUSTER_READY = "Cluster ready: 2/2 workers on port 8080 (listener reuseport)";

	/** Every process started, in order. */
	private final List<Start> starts = new CopyOnWriteArrayList<>();

	/** Lines the n-th process started (from 0) prints; none by default. */
	private final Map<Integer, List<String>> output = new ConcurrentHashMap<>();

	private final List<String> fatal = new CopyOnWriteArrayList<>();

	private final MessageHub hub = new MessageHub(new FrameCodec(64 * 1024), Duration.ofSeconds(5));

	private final PrintStream relayed = new PrintStream(OutputStream.nullOutputStream());

	private Supervisor supervisor;

	@AfterEach
	void tearDown() {
		if (this.supervisor != null) {
			this.supervisor.stop(Duration.ofSeconds(5));
		}
		// fakes: no operating-system process to kill, only futures to complete
		this.starts.forEach((start) -> start.process().exit(137));
		this.hub.close();
	}

	// ---- point 1: the current process apart from the slot's history ----

	@Test
	void firstStartHasNoHistory(CapturedOutput log) {
		Supervisor supervisor = start(2);
		readyAll();
		WorkerSnapshot worker = worker(1);
		assertThat(worker.pid()).isEqualTo(this.starts.get(0).process().pid());
		assertThat(worker.state()).isEqualTo(WorkerState.READY);
		assertThat(worker.startedFor()).isEqualTo(StartReason.START);
		assertThat(worker.startedAt()).isNotNull();
		assertThat(worker.readyMillis()).isNotNull();
		assertThat(worker.restarts()).isZero();
		assertThat(worker.replacements()).isZero();
		assertThat(worker.lastExit()).isNull();
		assertThat(supervisor.snapshot().restarts()).isZero();
	}

	@Test
	void crashIsACrashReplacementWithTheCrashedProcessAsLastExit(CapturedOutput log) {
		Supervisor supervisor = start(2);
		readyAll();
		FakeProcess victim = this.starts.get(0).process();
		victim.exit(137);
		Start replacement = awaitStart(2);
		assertThat(replacement.slot()).isEqualTo(1);
		assertThat(replacement.candidate()).as("a crash replacement starts the last good build").isFalse();
		WorkerSnapshot worker = worker(1);
		assertThat(worker.pid()).isEqualTo(replacement.process().pid());
		assertThat(worker.state()).isEqualTo(WorkerState.STARTING);
		assertThat(worker.startedFor()).isEqualTo(StartReason.CRASH);
		assertThat(worker.restarts()).isOne();
		assertThat(worker.replacements()).isZero();
		assertThat(worker.lastExit()).satisfies((exit) -> {
			assertThat(exit.pid()).isEqualTo(victim.pid());
			assertThat(exit.exitCode()).isEqualTo(137);
			assertThat(exit.cause()).isEqualTo(ExitCause.CRASHED);
		});
		assertThat(worker(2).restarts()).isZero();
		assertThat(worker(2).lastExit()).isNull();
		assertThat(supervisor.snapshot().restarts()).isOne();
		assertThat(log).contains("worker-1 (pid " + victim.pid() + ") crashed: killed (SIGKILL), exit 137");
	}

	@Test
	void rollingRestartCountsReplacementsNotRestarts(CapturedOutput log) {
		Supervisor supervisor = start(2);
		readyAll();
		List<Long> old = List.of(this.starts.get(0).process().pid(), this.starts.get(1).process().pid());
		assertThat(supervisor.startRollingRestart(1, "test").started()).isTrue();
		ready(awaitStart(2));
		ready(awaitStart(3));
		RestartOperation operation = awaitRollout(RestartOperation.State.SUCCEEDED);
		assertThat(operation.replaced()).isEqualTo(2);
		ClusterSnapshot snapshot = supervisor.snapshot();
		assertThat(snapshot.restarts()).isZero();
		for (int slot = 1; slot <= 2; slot++) {
			WorkerSnapshot worker = snapshot.workers().get(slot - 1);
			Start fresh = this.starts.get(slot + 1);
			assertThat(fresh.candidate()).isTrue();
			assertThat(worker.pid()).isEqualTo(fresh.process().pid());
			assertThat(worker.state()).isEqualTo(WorkerState.READY);
			assertThat(worker.startedFor()).isEqualTo(StartReason.RESTART);
			assertThat(worker.restarts()).isZero();
			assertThat(worker.replacements()).isOne();
			assertThat(worker.lastExit()).isNotNull();
			assertThat(worker.lastExit().pid()).isEqualTo(old.get(slot - 1));
			assertThat(worker.lastExit().cause()).isEqualTo(ExitCause.REPLACED);
			assertThat(worker.lastExit().exitCode()).isEqualTo(143);
		}
		assertThat(log)
			.contains("worker-1 (pid " + old.get(0) + ") replaced and stopped gracefully (SIGTERM, exit 143)");
	}

	@Test
	void workersTheMasterStopsLeaveAsStopped(CapturedOutput log) {
		Supervisor supervisor = start(2);
		readyAll();
		long pid = this.starts.get(0).process().pid();
		supervisor.stop(Duration.ofSeconds(5));
		await().atMost(WAIT).until(() -> worker(1).lastExit() != null);
		assertThat(worker(1).state()).isEqualTo(WorkerState.STOPPED);
		assertThat(worker(1).lastExit().cause()).isEqualTo(ExitCause.STOPPED);
		assertThat(worker(1).lastExit().exitCode()).isEqualTo(143);
		assertThat(worker(1).restarts()).isZero();
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(log)
				.contains("worker-1 (pid " + pid + ") stopped gracefully (SIGTERM, exit 143)"));
		assertThat(log).doesNotContain("crashed");
	}

	// ---- point 3: one line when the cluster is whole ----

	@Test
	void clusterReadyIsLoggedOnceEverySlotIsReadyNotOnEachReady(CapturedOutput log) {
		start(2);
		ready(this.starts.get(0));
		assertThat(log).doesNotContain("Cluster ready");
		ready(this.starts.get(1));
		assertThat(count(log, CLUSTER_READY)).isOne();
	}

	@Test
	void clusterReadyIsLoggedAgainAfterRecoveringFromACrash(CapturedOutput log) {
		start(2);
		readyAll();
		this.starts.get(1).process().exit(1);
		Start replacement = awaitStart(2);
		assertThat(count(log, CLUSTER_READY)).isOne();
		ready(replacement);
		assertThat(count(log, CLUSTER_READY)).isEqualTo(2);
	}

	@Test
	void clusterReadyIsLoggedAtTheEndOfARollingRestartNotInBetween(CapturedOutput log) {
		Supervisor supervisor = start(2);
		readyAll();
		supervisor.startRollingRestart(1, "test");
		// the first replacement READY makes 2/2 READY again, in the middle of the rollout
		ready(awaitStart(2));
		Start second = awaitStart(3);
		assertThat(count(log, CLUSTER_READY)).isOne();
		ready(second);
		awaitRollout(RestartOperation.State.SUCCEEDED);
		await().atMost(WAIT).untilAsserted(() -> assertThat(count(log, CLUSTER_READY)).isEqualTo(2));
		String output = log.toString();
		assertThat(output.lastIndexOf(CLUSTER_READY))
			.isGreaterThan(output.indexOf("Rolling restart restart-1 SUCCEEDED"));
	}

	// ---- point 4: a misconfigured worker is fatal, not a crash loop ----

	@Test
	void misconfiguredBeforeReadyIsFatalAndNotRestarted(CapturedOutput log) {
		this.output.put(0, List.of("APPLICATION FAILED TO START", "Reason: cluster.listener=shared needs Linux"));
		Supervisor supervisor = start(2);
		ready(this.starts.get(1));
		FakeProcess misconfigured = this.starts.get(0).process();
		misconfigured.exit(WorkerExit.MISCONFIGURED);
		await().atMost(WAIT).until(() -> !this.fatal.isEmpty());
		assertThat(this.fatal).singleElement()
			.asString()
			.contains("worker-1 (pid " + misconfigured.pid() + ")")
			.contains("cannot run as a cluster worker");
		assertThat(log)
			.contains("worker-1 (pid " + misconfigured.pid() + ") exited with status 78 (EX_CONFIG) "
					+ "before it was READY: the application cannot run as a cluster worker")
			.contains("    Reason: cluster.listener=shared needs Linux")
			.doesNotContain("Restarting worker-1");
		WorkerSnapshot worker = worker(1);
		assertThat(worker.state()).isEqualTo(WorkerState.FAILED);
		assertThat(worker.restarts()).isZero();
		assertThat(worker.lastExit()).isNotNull();
		assertThat(worker.lastExit().exitCode()).isEqualTo(78);
		assertThat(worker.lastExit().cause()).isEqualTo(ExitCause.CRASHED);
		assertThat(worker.lastLines()).contains("Reason: cluster.listener=shared needs Linux");
		assertThat(supervisor.snapshot().restarts()).isZero();
		await().during(NO_RESTART).atMost(WAIT).until(() -> this.starts.size() == 2);
	}

	@Test
	void everySlotMisconfiguredCallsTheFatalCallbackOnce(CapturedOutput log) {
		start(2);
		this.starts.get(0).process().exit(WorkerExit.MISCONFIGURED);
		this.starts.get(1).process().exit(WorkerExit.MISCONFIGURED);
		await().atMost(WAIT)
			.until(() -> worker(1).state() == WorkerState.FAILED && worker(2).state() == WorkerState.FAILED);
		await().during(NO_RESTART).atMost(WAIT).until(() -> this.fatal.size() == 1 && this.starts.size() == 2);
		assertThat(log).contains("also exited with status 78 (EX_CONFIG) before it was READY; not restarted");
	}

	@Test
	void misconfiguredReplacementIsRolledBackWithoutTheFatalCallback(CapturedOutput log) {
		Supervisor supervisor = start(1);
		ready(this.starts.get(0));
		long old = this.starts.get(0).process().pid();
		supervisor.startRollingRestart(1, "test");
		Start candidate = awaitStart(1);
		assertThat(candidate.candidate()).isTrue();
		candidate.process().exit(WorkerExit.MISCONFIGURED);
		RestartOperation operation = awaitRollout(RestartOperation.State.FAILED);
		assertThat(operation.reason()).contains("exited with status 78 before it was READY");
		await().during(NO_RESTART).atMost(WAIT).until(() -> this.starts.size() == 2 && this.fatal.isEmpty());
		WorkerSnapshot worker = worker(1);
		assertThat(worker.pid()).isEqualTo(old);
		assertThat(worker.state()).isEqualTo(WorkerState.READY);
		assertThat(worker.startedFor()).isEqualTo(StartReason.START);
		assertThat(worker.restarts()).isZero();
		assertThat(worker.replacements()).isZero();
		assertThat(worker.lastExit()).isNotNull();
		assertThat(worker.lastExit().pid()).isEqualTo(candidate.process().pid());
		assertThat(worker.lastExit().exitCode()).isEqualTo(78);
		assertThat(log).doesNotContain("cannot run as a cluster worker").doesNotContain("Restarting worker-1");
	}

	@Test
	void misconfiguredAfterReadyIsAnOrdinaryCrash(CapturedOutput log) {
		start(1);
		ready(this.starts.get(0));
		this.starts.get(0).process().exit(WorkerExit.MISCONFIGURED);
		Start replacement = awaitStart(1);
		assertThat(replacement.candidate()).isFalse();
		assertThat(worker(1).restarts()).isOne();
		assertThat(this.fatal).isEmpty();
		assertThat(log).contains("crashed: misconfigured (EX_CONFIG), exit 78");
	}

	// ---- helpers ----

	private Supervisor start(int workers) {
		SupervisorSettings settings = new SupervisorSettings(workers, 8080, WAIT, Duration.ofSeconds(5),
				Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofSeconds(5), "reuseport", null);
		RestartPolicy policy = new RestartPolicy(Duration.ofMillis(1), Duration.ofMillis(10), 10, Duration.ofMinutes(1),
				Clock.systemUTC());
		Supervisor supervisor = new Supervisor(settings, (slot, candidate) -> {
			FakeProcess process = new FakeProcess(this.output.getOrDefault(this.starts.size(), List.of()));
			this.starts.add(new Start(slot, candidate, process));
			return process;
		}, policy, this.hub, this.relayed, this.relayed);
		supervisor.onFatal(this.fatal::add);
		this.supervisor = supervisor;
		supervisor.start();
		return supervisor;
	}

	private void ready(Start start) {
		this.supervisor.ready(new Hello(start.slot(), start.process().pid(), "token"));
	}

	private void readyAll() {
		this.starts.forEach(this::ready);
	}

	/** Waits for the n-th process (from 0) to be started. */
	private Start awaitStart(int index) {
		await().atMost(WAIT).until(() -> this.starts.size() > index);
		return this.starts.get(index);
	}

	private RestartOperation awaitRollout(RestartOperation.State state) {
		return await().atMost(WAIT)
			.until(() -> this.supervisor.snapshot().restart(),
					(operation) -> operation != null && operation.state() == state);
	}

	private WorkerSnapshot worker(int slot) {
		return this.supervisor.snapshot().workers().get(slot - 1);
	}

	private static int count(CapturedOutput log, String text) {
		String output = log.toString();
		int count = 0;
		for (int at = output.indexOf(text); at >= 0; at = output.indexOf(text, at + 1)) {
			count++;
		}
		return count;
	}

	/**
	 * A process the supervisor started.
	 *
	 * @param slot its worker slot
	 * @param candidate whether the new build was asked for (a rolling restart)
	 * @param process the fake
	 */
	private record Start(int slot, boolean candidate, FakeProcess process) {
	}

}
