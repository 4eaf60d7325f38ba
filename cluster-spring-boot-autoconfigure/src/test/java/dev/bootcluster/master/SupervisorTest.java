package dev.bootcluster.master;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;
import dev.bootcluster.RestartOperation.State;
import dev.bootcluster.WorkerExit;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.IpcServer;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.Message.Hello;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link Supervisor} and its {@link RollingRestart} and {@link Replacement}
 * steps, with {@link FakeProcess fake processes} whose exits the tests decide, a
 * {@link ManualLoop loop} the test's thread runs and a {@link MutableClock clock} only
 * the test moves (timers, backoffs and heartbeats go by it), processes started on the
 * loop's thread, and READY and heartbeats reported through the supervisor's
 * package-private methods (no IPC connection, so a drained worker gets SIGTERM).
 */
@ExtendWith(OutputCaptureExtension.class)
class SupervisorTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final Duration BACKOFF = Duration.ofMillis(100);

	private static final ClusterTimeouts TIMEOUTS = new ClusterTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(5),
			Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofSeconds(5), Duration.ofSeconds(2),
			Duration.ofSeconds(1), Duration.ofSeconds(5));

	private static final String CLUSTER_READY = "Cluster ready: 2/2 workers on port 8080 (listener reuseport)";

	private final MutableClock clock = new MutableClock();

	private final ManualLoop loop = new ManualLoop(this.clock);

	/** Every process started, in order. */
	private final List<Start> starts = new CopyOnWriteArrayList<>();

	/** Lines the n-th process started (from 0) prints; none by default. */
	private final Map<Integer, List<String>> output = new ConcurrentHashMap<>();

	/** Starts (from 0) that fail with an IOException. */
	private final List<Integer> failingStarts = new CopyOnWriteArrayList<>();

	private final List<String> fatal = new CopyOnWriteArrayList<>();

	/** PIDs asked for a thread dump. */
	private final List<Long> threadDumps = new CopyOnWriteArrayList<>();

	private final MessageHub hub = new MessageHub(new FrameCodec(64 * 1024), Duration.ofSeconds(5));

	private final PrintStream relayed = new PrintStream(OutputStream.nullOutputStream());

	/**
	 * Processes that send no heartbeats (hung); every other READY one beats each second.
	 */
	private final List<FakeProcess> silent = new CopyOnWriteArrayList<>();

	private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

	private int maxCrashes = 10;

	private RecyclePolicy recycle = RecyclePolicy.NONE;

	private int maxSurge = 1;

	private Supervisor supervisor;

	@AfterEach
	void tearDown() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		if (this.supervisor != null) {
			this.supervisor.stop(Duration.ofSeconds(5));
		}
		// fakes: no operating-system process to kill, only futures to complete
		this.starts.forEach((start) -> start.process().exit(137));
		this.hub.close();
	}

	// ---- the current process apart from the slot's history ----

	@Test
	void firstStartHasNoHistory() {
		start(2);
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
		assertThat(this.supervisor.snapshot().restarts()).isZero();
	}

	@Test
	void crashIsRestartedAfterTheBackoffWithTheCrashedProcessAsLastExit(CapturedOutput log) {
		start(2);
		readyAll();
		FakeProcess victim = this.starts.get(0).process();
		exit(victim, 137);
		assertThat(worker(1).state()).isEqualTo(WorkerState.CRASHED);
		this.loop.advance(BACKOFF.minusMillis(1));
		assertThat(this.starts).as("not before the backoff").hasSize(2);
		this.loop.advance(Duration.ofMillis(1));
		Start replacement = awaitStart(2);
		assertThat(replacement.slot()).isEqualTo(1);
		assertThat(replacement.candidate()).as("a crash replacement starts the last good build").isFalse();
		WorkerSnapshot worker = worker(1);
		assertThat(worker.pid()).isEqualTo(replacement.process().pid());
		assertThat(worker.state()).isEqualTo(WorkerState.STARTING);
		assertThat(worker.startedFor()).isEqualTo(StartReason.CRASH);
		assertThat(worker.restarts()).isOne();
		assertThat(worker.lastExit()).satisfies((exit) -> {
			assertThat(exit.pid()).isEqualTo(victim.pid());
			assertThat(exit.exitCode()).isEqualTo(137);
			assertThat(exit.cause()).isEqualTo(ExitCause.CRASHED);
		});
		assertThat(worker(2).restarts()).isZero();
		assertThat(this.supervisor.snapshot().restarts()).isOne();
		assertThat(log).contains("worker-1 (pid " + victim.pid() + ") crashed: killed (SIGKILL), exit 137");
	}

	@Test
	void crashLoopBreakerMarksTheSlotFailed(CapturedOutput log) {
		this.maxCrashes = 3;
		this.output.put(0, List.of("boom"));
		start(1);
		for (int crash = 0; crash < 3; crash++) {
			exit(this.starts.get(crash).process(), 1);
			advance(Duration.ofSeconds(1));
		}
		assertThat(this.starts).as("no restart after the third crash").hasSize(3);
		assertThat(worker(1).state()).isEqualTo(WorkerState.FAILED);
		assertThat(log).contains("worker-1 FAILED: crashed 3 times within 60 s");
	}

	@Test
	void aRolloutStartsTheNewBuildInAFailedSlot(CapturedOutput log) {
		this.maxCrashes = 1;
		start(2);
		readyAll();
		exit(this.starts.get(1).process(), 1);
		assertThat(worker(2).state()).isEqualTo(WorkerState.FAILED);
		this.supervisor.startRollingRestart(1, "deploy the fix");
		ready(awaitStart(2));
		Start fixed = awaitStart(3);
		assertThat(fixed.slot()).isEqualTo(2);
		assertThat(fixed.candidate()).isTrue();
		ready(fixed);
		awaitRollout(State.SUCCEEDED);
		assertThat(worker(2).state()).isEqualTo(WorkerState.READY);
	}

	@Test
	void aStartThatFailsIsRetriedAsACrash(CapturedOutput log) {
		this.failingStarts.add(1);
		start(2);
		assertThat(worker(2).state()).isEqualTo(WorkerState.CRASHED);
		assertThat(worker(2).pid()).isEqualTo(-1);
		assertThat(log).contains("Could not start worker-2: no such file");
		this.loop.advance(BACKOFF);
		assertThat(awaitStart(1).slot()).isEqualTo(2);
		assertThat(worker(2).startedFor()).isEqualTo(StartReason.CRASH);
	}

	@Test
	void workersTheMasterStopsLeaveAsStopped(CapturedOutput log) {
		start(2);
		readyAll();
		long pid = this.starts.get(0).process().pid();
		this.supervisor.stop(Duration.ofSeconds(5));
		settle(() -> worker(1).lastExit() != null && worker(2).lastExit() != null);
		assertThat(worker(1).state()).isEqualTo(WorkerState.STOPPED);
		assertThat(worker(1).lastExit().cause()).isEqualTo(ExitCause.STOPPED);
		assertThat(worker(1).lastExit().exitCode()).isEqualTo(143);
		assertThat(log).contains("worker-1 (pid " + pid + ") stopped gracefully (SIGTERM, exit 143)")
			.doesNotContain("crashed");
	}

	// ---- one line when the cluster is whole ----

	@Test
	void clusterReadyIsLoggedOnceEverySlotIsReadyAndAgainAfterACrash(CapturedOutput log) {
		start(2);
		ready(this.starts.get(0));
		assertThat(log).doesNotContain("Cluster ready");
		ready(this.starts.get(1));
		assertThat(count(log, CLUSTER_READY)).isOne();
		exit(this.starts.get(1).process(), 1);
		this.loop.advance(BACKOFF);
		ready(awaitStart(2));
		assertThat(count(log, CLUSTER_READY)).isEqualTo(2);
	}

	@Test
	void readyAgainRunsAfterEachReplacementAtMostOncePerInterval() {
		List<Instant> runs = new CopyOnWriteArrayList<>();
		start(2);
		this.supervisor.onReadyAgain(Duration.ofSeconds(30), () -> runs.add(this.clock.instant()));
		readyAll();
		assertThat(runs).as("the first time is onFirstReady's").isEmpty();
		Instant crash = this.clock.instant();
		crashAndReady(1);
		assertThat(runs).hasSize(1);
		// ready again 11 s later: put off until 30 s after the last run, and run once
		advance(Duration.ofSeconds(10));
		crashAndReady(2);
		crashAndReady(3);
		assertThat(runs).hasSize(1);
		advance(Duration.ofSeconds(30));
		assertThat(runs).hasSize(2);
		assertThat(Duration.between(runs.get(0), runs.get(1))).isEqualTo(Duration.ofSeconds(30));
		assertThat(runs.get(0)).isAfter(crash);
		advance(Duration.ofMinutes(5));
		assertThat(runs).hasSize(2);
		// put off again, and a worker is booting when the interval has passed: not then,
		// but once the cluster is ready again
		crashAndReady(4);
		assertThat(runs).hasSize(3);
		advance(Duration.ofSeconds(10));
		crashAndReady(5);
		advance(Duration.ofSeconds(10));
		exit(this.starts.get(6).process(), 1);
		advance(Duration.ofSeconds(15));
		assertThat(runs).as("a worker was missing when the 30 s had passed").hasSize(3);
		ready(awaitStart(7));
		assertThat(runs).hasSize(4);
	}

	/**
	 * The n-th process (from 0) crashes; its replacement, the next one, is READY 1 s
	 * later.
	 */
	private void crashAndReady(int start) {
		exit(this.starts.get(start).process(), 1);
		advance(Duration.ofSeconds(1));
		ready(awaitStart(start + 1));
	}

	// ---- scaling ----

	@Test
	void scalingUpStartsNewSlotsAndDownDrainsTheHighestWhichAreNotRestarted(CapturedOutput log) {
		start(2);
		readyAll();
		assertThat(this.loop.call(() -> this.supervisor.scale(3, "test"), WAIT)).isEqualTo(2);
		Start third = awaitStart(2);
		assertThat(third.slot()).isEqualTo(3);
		assertThat(this.supervisor.snapshot().desired()).isEqualTo(3);
		assertThat(this.supervisor.snapshot().ready()).isEqualTo(2);
		ready(third);
		assertThat(log).contains("Scaling from 2 to 3 workers (test)")
			.contains("Cluster ready: 3/3 workers on port 8080");
		// SIGTTOU twice: worker-3, then worker-2 drain (SIGTERM: no IPC link here) and go
		this.supervisor.scaleBy(-1, "SIGTTOU");
		this.supervisor.scaleBy(-1, "SIGTTOU");
		this.loop.runPending();
		settle(() -> this.supervisor.snapshot().workers().size() == 1);
		ClusterSnapshot snapshot = this.supervisor.snapshot();
		assertThat(snapshot.desired()).isEqualTo(1);
		assertThat(snapshot.ready()).isEqualTo(1);
		assertThat(snapshot.workers().get(0).id()).isEqualTo(1);
		assertThat(log).contains("Scaling from 3 to 2 workers (SIGTTOU)")
			.contains("stopped gracefully (SIGTERM, exit 143); worker-3 removed (1 workers wanted)")
			.contains("worker-2 removed (1 workers wanted)");
		this.loop.advance(BACKOFF.multipliedBy(5));
		assertThat(this.starts).hasSize(3);
		// up again: the lowest free ids
		this.supervisor.scaleBy(1, "SIGTTIN");
		this.loop.runPending();
		assertThat(awaitStart(3).slot()).isEqualTo(2);
	}

	@Test
	void scalingIsRefusedOutOfRangeDuringARollingRestartAndAtTheLimits(CapturedOutput log) {
		start(1);
		readyAll();
		assertThatIllegalArgumentException().isThrownBy(() -> this.loop.call(() -> this.supervisor.scale(0, "t"), WAIT))
			.withMessageContaining("from 1 to 256");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.loop.call(() -> this.supervisor.scale(257, "t"), WAIT));
		this.supervisor.scaleBy(-1, "SIGTTOU");
		this.loop.runPending();
		assertThat(log).contains("Not scaling on SIGTTOU: 1 workers is the least there can be");
		assertThat(this.supervisor.startRollingRestart(1, "test").started()).isTrue();
		assertThatIllegalStateException().isThrownBy(() -> this.loop.call(() -> this.supervisor.scale(2, "t"), WAIT))
			.withMessageContaining("rolling restart");
		assertThat(this.supervisor.snapshot().desired()).isEqualTo(1);
	}

	@Test
	void aCrashedSlotScaledAwayIsNeverRestarted() {
		start(2);
		readyAll();
		exit(this.starts.get(1).process(), 1);
		// worker-2 waits for its backoff: scaled away before it ends
		this.loop.call(() -> this.supervisor.scale(1, "t"), WAIT);
		this.loop.advance(BACKOFF.multipliedBy(5));
		assertThat(this.starts).hasSize(2);
		assertThat(this.supervisor.snapshot().workers()).extracting(WorkerSnapshot::id).containsExactly(1);
	}

	// ---- rolling restarts ----

	@Test
	void rollingRestartReplacesEveryWorkerSurgeFirst(CapturedOutput log) {
		start(2);
		readyAll();
		List<Long> old = List.of(pid(0), pid(1));
		assertThat(this.supervisor.startRollingRestart(1, "test").started()).isTrue();
		Start first = awaitStart(2);
		assertThat(first.candidate()).isTrue();
		assertThat(this.starts.get(0).process().isAlive()).as("the old worker serves until the new one is READY")
			.isTrue();
		assertThat(this.supervisor.snapshot().ready()).as("the old worker counts while its replacement boots")
			.isEqualTo(2);
		ready(first);
		settle(() -> !this.starts.get(0).process().isAlive());
		ready(awaitStart(3));
		RestartOperation operation = awaitRollout(State.SUCCEEDED);
		assertThat(operation.replaced()).isEqualTo(2);
		ClusterSnapshot snapshot = this.supervisor.snapshot();
		assertThat(snapshot.restarts()).isZero();
		for (int slot = 1; slot <= 2; slot++) {
			WorkerSnapshot worker = snapshot.workers().get(slot - 1);
			assertThat(worker.pid()).isEqualTo(pid(slot + 1));
			assertThat(worker.state()).isEqualTo(WorkerState.READY);
			assertThat(worker.startedFor()).isEqualTo(StartReason.RESTART);
			assertThat(worker.replacements()).isOne();
			assertThat(worker.lastExit().pid()).isEqualTo(old.get(slot - 1));
			assertThat(worker.lastExit().cause()).isEqualTo(ExitCause.REPLACED);
		}
		assertThat(log)
			.contains("worker-1 (pid " + old.get(0) + ") replaced and stopped gracefully (SIGTERM, exit 143)");
		String output = log.toString();
		assertThat(count(log, CLUSTER_READY)).as("at the start and at the end, not in between").isEqualTo(2);
		assertThat(output.lastIndexOf(CLUSTER_READY))
			.isGreaterThan(output.indexOf("Rolling restart restart-1 SUCCEEDED"));
	}

	@Test
	void withMaxSurgeOneTheNextReplacementWaitsForTheOldWorkerToExit() {
		start(2);
		readyAll();
		this.starts.get(0).process().ignoreSigterm();
		this.supervisor.startRollingRestart(1, "test");
		ready(awaitStart(2));
		settle(() -> worker(1).pid() == pid(2));
		this.loop.runPending();
		assertThat(this.starts).as("worker-1's old process still drains").hasSize(3);
		this.starts.get(0).process().exit(143);
		ready(awaitStart(3));
		awaitRollout(State.SUCCEEDED);
	}

	@Test
	void withMaxSurgeTwoTheNextReplacementBootsWhileTheOldWorkerDrains(CapturedOutput log) {
		this.maxSurge = 2;
		start(3);
		readyAll();
		this.starts.get(0).process().ignoreSigterm();
		this.starts.get(1).process().ignoreSigterm();
		this.supervisor.startRollingRestart(1, "test");
		ready(awaitStart(3));
		Start second = awaitStart(4);
		assertThat(second.slot()).isEqualTo(2);
		assertThat(this.starts.get(0).process().isAlive()).as("worker-1's old process drains meanwhile").isTrue();
		assertThat(this.supervisor.snapshot().restart().step())
			.isEqualTo("replacing worker-2 (1 old worker(s) draining)");
		ready(second);
		this.loop.runPending();
		assertThat(this.starts).as("two old workers drain: max-surge 2 reached").hasSize(5);
		this.starts.get(0).process().exit(143);
		Start third = awaitStart(5);
		assertThat(third.slot()).isEqualTo(3);
		ready(third);
		this.loop.runPending();
		assertThat(this.supervisor.snapshot().restart().state()).as("worker-2's old process still drains")
			.isEqualTo(State.RUNNING);
		this.starts.get(1).process().exit(143);
		RestartOperation operation = awaitRollout(State.SUCCEEDED);
		assertThat(operation.replaced()).isEqualTo(3);
		assertThat(this.supervisor.snapshot().workers()).extracting(WorkerSnapshot::pid)
			.containsExactly(pid(3), pid(4), pid(5));
		assertThat(log).contains("Rolling restart restart-1 SUCCEEDED: 3 workers replaced");
	}

	@Test
	void withMaxSurgeTwoAFailureRollsBackOnlyOnceTheDrainingSlotIsReplaced() {
		this.maxSurge = 2;
		start(3);
		readyAll();
		this.starts.get(0).process().ignoreSigterm();
		this.supervisor.startRollingRestart(1, "test");
		ready(awaitStart(3));
		Start second = awaitStart(4);
		exit(second.process(), 1);
		this.loop.runPending();
		assertThat(this.starts).as("no rollback while worker-1's old process drains").hasSize(5);
		assertThat(this.supervisor.snapshot().restart().state()).isEqualTo(State.ROLLING_BACK);
		this.starts.get(0).process().exit(143);
		Start rollback = awaitStart(5);
		assertThat(rollback.slot()).isEqualTo(1);
		assertThat(rollback.candidate()).isFalse();
		ready(rollback);
		RestartOperation operation = awaitRollout(State.ROLLED_BACK);
		assertThat(operation.reason()).contains("replacement worker-2 (pid " + pid(4) + ") exited with status 1")
			.contains("1 worker(s) already on the new build were replaced from the previous one");
	}

	@Test
	void aSecondRestartRequestReportsTheRunningOne() {
		start(1);
		readyAll();
		assertThat(this.supervisor.startRollingRestart(1, "first").started()).isTrue();
		assertThat(this.supervisor.startRollingRestart(2, "second").started()).isFalse();
		assertThat(this.supervisor.startRollingRestart(2, "second").operation().trigger()).isEqualTo("first");
	}

	@Test
	void replacementFailingAtWorkerTwoOfThreeRollsTheFirstBack(CapturedOutput log) {
		this.output.put(4, List.of("Caused by: the new build cannot start twice"));
		start(3);
		readyAll();
		this.supervisor.startRollingRestart(1, "test");
		ready(awaitStart(3));
		settle(() -> !this.starts.get(0).process().isAlive());
		Start second = awaitStart(4);
		assertThat(second.candidate()).isTrue();
		exit(second.process(), 1);
		Start rollback = awaitStart(5);
		assertThat(rollback.slot()).isEqualTo(1);
		assertThat(rollback.candidate()).as("the previous build").isFalse();
		assertThat(this.supervisor.snapshot().restart().state()).isEqualTo(State.ROLLING_BACK);
		assertThat(this.starts.get(2).process().isAlive()).as("the new build serves until the old one is READY")
			.isTrue();
		ready(rollback);
		RestartOperation operation = awaitRollout(State.ROLLED_BACK);
		assertThat(operation.reason()).contains("replacement worker-2 (pid " + pid(4) + ") exited with status 1")
			.contains("1 worker(s) already on the new build were replaced from the previous one");
		assertThat(operation.lastLines()).contains("Caused by: the new build cannot start twice");
		assertThat(this.starts).hasSize(6);
		ClusterSnapshot snapshot = this.supervisor.snapshot();
		assertThat(snapshot.workers()).extracting(WorkerSnapshot::state).containsOnly(WorkerState.READY);
		assertThat(snapshot.workers()).extracting(WorkerSnapshot::pid).containsExactly(pid(5), pid(1), pid(2));
		assertThat(worker(1).startedFor()).isEqualTo(StartReason.ROLLBACK);
		assertThat(worker(2).lastExit().pid()).isEqualTo(pid(4));
		assertThat(snapshot.restarts()).as("a failed replacement is not a crash").isZero();
		assertThat(log).contains("Rolling restart restart-1 ROLLED_BACK");
	}

	@Test
	void replacementNotReadyInTimeIsRemovedAndTheOldWorkerKeepsServing() {
		Start fresh = rollout(1);
		advance(TIMEOUTS.ready());
		RestartOperation operation = awaitRollout(State.ROLLED_BACK);
		assertThat(operation.reason()).contains("was not READY within 60 s (cluster.restart.ready-timeout)");
		settle(() -> !fresh.process().isAlive());
		assertThat(worker(1).pid()).isEqualTo(pid(0));
		assertThat(worker(1).state()).isEqualTo(WorkerState.READY);
		assertThat(worker(1).lastExit().cause()).isEqualTo(ExitCause.STOPPED);
	}

	@Test
	void rollbackThatFailsToo(CapturedOutput log) {
		start(2);
		readyAll();
		this.supervisor.startRollingRestart(1, "test");
		ready(awaitStart(2));
		exit(awaitStart(3).process(), 1);
		exit(awaitStart(4).process(), 2);
		RestartOperation operation = awaitRollout(State.FAILED);
		assertThat(operation.reason()).contains("then the rollback failed")
			.contains("(that worker still runs the new build)");
		assertThat(worker(1).pid()).as("the new build keeps serving").isEqualTo(pid(2));
		assertThat(worker(1).state()).isEqualTo(WorkerState.READY);
	}

	@Test
	void crashOfAnOldWorkerDuringARolloutIsRestartedAndTheRolloutGoesOn() {
		Start first = rollout(2);
		exit(this.starts.get(1).process(), 137);
		this.loop.advance(BACKOFF);
		Start restarted = awaitStart(3);
		assertThat(restarted.slot()).isEqualTo(2);
		assertThat(restarted.candidate()).isFalse();
		ready(restarted);
		finishTwoWorkerRollout(first);
		assertThat(worker(2).restarts()).isOne();
	}

	@Test
	void stopDuringARolloutAbortsIt(CapturedOutput log) {
		Start fresh = rollout(2);
		this.supervisor.stop(Duration.ofSeconds(5));
		assertThat(this.supervisor.snapshot().restart().state()).isEqualTo(State.ABORTED);
		assertThat(this.supervisor.snapshot().restart().reason()).isEqualTo("the cluster is stopping");
		settle(() -> !fresh.process().isAlive() && !this.starts.get(0).process().isAlive());
		assertThat(log).contains("Rolling restart restart-1 ABORTED: the cluster is stopping").doesNotContain("FAILED");
	}

	@Test
	void misconfiguredReplacementIsRolledBackWithoutTheFatalCallback(CapturedOutput log) {
		start(1);
		readyAll();
		long old = pid(0);
		this.supervisor.startRollingRestart(1, "test");
		Start candidate = awaitStart(1);
		exit(candidate.process(), WorkerExit.MISCONFIGURED);
		RestartOperation operation = awaitRollout(State.ROLLED_BACK);
		assertThat(operation.reason()).contains("exited with status 78 before it was READY");
		assertThat(this.fatal).isEmpty();
		assertThat(worker(1).pid()).isEqualTo(old);
		assertThat(worker(1).state()).isEqualTo(WorkerState.READY);
		assertThat(worker(1).lastExit().pid()).isEqualTo(candidate.process().pid());
		advance(Duration.ofSeconds(5));
		assertThat(this.starts).hasSize(2);
		assertThat(log).doesNotContain("cannot run as a cluster worker").doesNotContain("Restarting worker-1");
	}

	// ---- misconfigured workers ----

	@Test
	void misconfiguredBeforeReadyIsFatalAndNotRestarted(CapturedOutput log) {
		this.output.put(0, List.of("APPLICATION FAILED TO START", "Reason: cluster.listener=shared needs Linux"));
		start(2);
		ready(this.starts.get(1));
		FakeProcess misconfigured = this.starts.get(0).process();
		exit(misconfigured, WorkerExit.MISCONFIGURED);
		await().atMost(WAIT).until(() -> !this.fatal.isEmpty());
		assertThat(this.fatal).singleElement()
			.asString()
			.contains("worker-1 (pid " + misconfigured.pid() + ")")
			.contains("cannot run as a cluster worker");
		assertThat(log).contains("    Reason: cluster.listener=shared needs Linux");
		assertThat(worker(1).state()).isEqualTo(WorkerState.FAILED);
		assertThat(worker(1).lastLines()).contains("Reason: cluster.listener=shared needs Linux");
		advance(Duration.ofSeconds(5));
		assertThat(this.starts).hasSize(2);
	}

	@Test
	void everySlotMisconfiguredCallsTheFatalCallbackOnce(CapturedOutput log) {
		start(2);
		exit(this.starts.get(0).process(), WorkerExit.MISCONFIGURED);
		exit(this.starts.get(1).process(), WorkerExit.MISCONFIGURED);
		assertThat(worker(2).state()).isEqualTo(WorkerState.FAILED);
		await().atMost(WAIT).until(() -> this.fatal.size() == 1);
		assertThat(log).contains("also exited with status 78 (EX_CONFIG) before it was READY; not restarted");
	}

	@Test
	void misconfiguredAfterReadyIsAnOrdinaryCrash(CapturedOutput log) {
		start(1);
		readyAll();
		exit(this.starts.get(0).process(), WorkerExit.MISCONFIGURED);
		this.loop.advance(BACKOFF);
		assertThat(awaitStart(1).candidate()).isFalse();
		assertThat(this.fatal).isEmpty();
		assertThat(log).contains("crashed: misconfigured (EX_CONFIG), exit 78");
	}

	// ---- hung and broken workers ----

	@Test
	void workerWithoutHeartbeatsIsHungDumpedReplacedAndKilled(CapturedOutput log) {
		start(2);
		readyAll();
		FakeProcess hung = this.starts.get(0).process();
		this.silent.add(hung);
		advance(Duration.ofSeconds(5));
		assertThat(worker(1).state()).as("5 s without a heartbeat is not more than the timeout")
			.isEqualTo(WorkerState.READY);
		advance(Duration.ofSeconds(1));
		assertThat(worker(1).state()).isEqualTo(WorkerState.HUNG);
		assertThat(this.threadDumps).containsExactly(hung.pid());
		assertThat(log).contains("worker-1 (pid " + hung.pid() + ") is HUNG: no heartbeat for 6000 ms");
		assertThat(this.starts).as("the thread dump comes first").hasSize(2);
		this.loop.advance(ClusterTimeouts.THREAD_DUMP);
		Start replacement = awaitStart(2);
		assertThat(replacement.slot()).isEqualTo(1);
		assertThat(hung.isAlive()).as("killed once the replacement is READY, not before").isTrue();
		ready(replacement);
		settle(() -> !hung.isAlive() && worker(1).lastExit() != null);
		WorkerSnapshot worker = worker(1);
		assertThat(worker.pid()).isEqualTo(replacement.process().pid());
		assertThat(worker.state()).isEqualTo(WorkerState.READY);
		assertThat(worker.startedFor()).isEqualTo(StartReason.HUNG);
		assertThat(worker.restarts()).isOne();
		assertThat(worker.lastExit().pid()).isEqualTo(hung.pid());
		assertThat(worker.lastExit().cause()).isEqualTo(ExitCause.HUNG);
		assertThat(worker.lastExit().exitCode()).isEqualTo(137);
		assertThat(worker(2).state()).as("the one that kept beating").isEqualTo(WorkerState.READY);
	}

	@Test
	void aWorkerThatMissesThreeHeartbeatsIsSilentUntilItBeatsAgain(CapturedOutput log) {
		start(2);
		readyAll();
		Worker quiet = this.supervisor.worker(pid(0));
		this.silent.add(this.starts.get(0).process());
		advance(Duration.ofSeconds(3));
		assertThat(quiet.silent).as("3 s without a heartbeat is not more than 3 intervals").isFalse();
		advance(Duration.ofSeconds(1));
		assertThat(quiet.silent).isTrue();
		assertThat(quiet.state).as("silent, not hung").isEqualTo(WorkerState.READY);
		assertThat(this.supervisor.worker(pid(1)).silent).isFalse();
		assertThat(log).contains(quiet + " sent no heartbeat for 4000 ms: broadcasts no longer wait");
		this.supervisor.heartbeat(quiet, 1);
		assertThat(quiet.silent).isFalse();
	}

	@Test
	void crashLoopBreakerCountsHangs(CapturedOutput log) {
		this.maxCrashes = 2;
		start(1);
		readyAll();
		exit(this.starts.get(0).process(), 1);
		this.loop.advance(BACKOFF);
		Start restarted = awaitStart(1);
		this.silent.add(restarted.process());
		ready(restarted);
		advance(Duration.ofSeconds(7));
		assertThat(worker(1).state()).isEqualTo(WorkerState.HUNG);
		this.loop.advance(ClusterTimeouts.THREAD_DUMP);
		settle(() -> !this.starts.get(1).process().isAlive());
		assertThat(this.starts).as("no replacement: the breaker tripped").hasSize(2);
		settle(() -> worker(1).state() == WorkerState.FAILED);
		assertThat(log).contains("worker-1 FAILED: crashed 2 times within 60 s");
	}

	@Test
	void hangDuringARolloutIsReplacedFirstAndTheRolloutGoesOn() {
		Start first = rollout(2);
		// worker-2 stops beating while worker-1's replacement starts
		this.silent.add(this.starts.get(1).process());
		advance(Duration.ofSeconds(6));
		assertThat(worker(2).state()).isEqualTo(WorkerState.HUNG);
		this.loop.advance(ClusterTimeouts.THREAD_DUMP);
		Start hangReplacement = awaitStart(3);
		assertThat(hangReplacement.slot()).isEqualTo(2);
		assertThat(hangReplacement.candidate()).as("the hung worker's build").isFalse();
		ready(hangReplacement);
		finishTwoWorkerRollout(first);
		assertThat(this.starts.get(1).process().isAlive()).isFalse();
	}

	@Test
	void brokenLivenessIsReplacedAndDrained(CapturedOutput log) {
		start(1);
		readyAll();
		Worker broken = this.supervisor.worker(pid(0));
		this.supervisor.liveness(broken, true);
		assertThat(broken.state).isEqualTo(WorkerState.BROKEN);
		Start replacement = awaitStart(1);
		assertThat(worker(1).pid()).as("the slot's process is the new one, the old one serves meanwhile")
			.isEqualTo(replacement.process().pid());
		assertThat(this.starts.get(0).process().isAlive()).isTrue();
		ready(replacement);
		settle(() -> worker(1).lastExit() != null);
		assertThat(worker(1).startedFor()).isEqualTo(StartReason.LIVENESS);
		assertThat(worker(1).lastExit().cause()).isEqualTo(ExitCause.BROKEN);
		assertThat(worker(1).lastExit().exitCode()).as("drained: SIGTERM without an IPC connection").isEqualTo(143);
	}

	// ---- recycling ----

	@Test
	void workersOverTheirRequestLimitAreRecycledOneAtATimeThroughTheRollingPath(CapturedOutput log) {
		this.recycle = new RecyclePolicy(100, null, null, 0, RandomGenerator.getDefault());
		start(2);
		readyAll();
		Worker first = this.supervisor.worker(pid(0));
		Worker second = this.supervisor.worker(pid(1));
		pulse(first, 99);
		pulse(second, 50);
		assertThat(this.starts).as("under the limit").hasSize(2);
		pulse(first, 100);
		Start replacement = awaitStart(2);
		assertThat(replacement.slot()).isEqualTo(1);
		assertThat(replacement.candidate()).as("the build it runs, not the jar on disk").isFalse();
		assertThat(log)
			.contains("Recycling worker-1 (pid " + pid(0) + "): max-requests: served 100 requests (limit 100)");
		// worker-2 is due too, and waits for worker-1's replacement to end
		pulse(second, 150);
		assertThat(this.starts).hasSize(3);
		assertThat(first.state).as("serves until its replacement is READY").isEqualTo(WorkerState.READY);
		ready(replacement);
		settle(() -> worker(1).lastExit() != null);
		WorkerSnapshot recycled = worker(1);
		assertThat(recycled.startedFor()).isEqualTo(StartReason.RECYCLE);
		assertThat(recycled.lastExit().cause()).isEqualTo(ExitCause.RECYCLED);
		assertThat(recycled.lastExit().reason()).isEqualTo("max-requests: served 100 requests (limit 100)");
		assertThat(recycled.lastExit().exitCode()).as("drained: SIGTERM without an IPC connection").isEqualTo(143);
		assertThat(recycled.recycles()).isEqualTo(1);
		assertThat(recycled.restarts()).isZero();
		assertThat(recycled.replacements()).isZero();
		assertThat(log).contains("worker-1 recycled: worker-1 (pid " + pid(0) + ") is gone");
		// now worker-2's turn
		pulse(second, 151);
		assertThat(awaitStart(3).slot()).isEqualTo(2);
		assertThat(this.supervisor.snapshot().restarts()).isZero();
	}

	@Test
	void noWorkerIsRecycledDuringARollingRestart() {
		this.recycle = new RecyclePolicy(10, null, null, 0, RandomGenerator.getDefault());
		rollout(2);
		pulse(this.supervisor.worker(pid(1)), 1000);
		this.loop.runPending();
		assertThat(this.starts).as("the rollout's first replacement only").hasSize(3);
	}

	@Test
	void pulsesGiveTheRequestRateAndTheMemoryFigures() {
		start(1);
		readyAll();
		Worker worker = this.supervisor.worker(pid(0));
		pulse(worker, 1000);
		assertThat(worker(1).requestsPerSecond()).as("one pulse: no rate yet").isEqualTo(-1);
		this.loop.advance(Duration.ofSeconds(2));
		pulse(worker, 1100);
		WorkerSnapshot snapshot = worker(1);
		assertThat(snapshot.requests()).isEqualTo(1100);
		assertThat(snapshot.requestsPerSecond()).isEqualTo(50.0);
		assertThat(snapshot.heapAfterGcBytes()).isEqualTo(8 << 20);
		assertThat(this.supervisor.snapshot().masterRssBytes()).as("this JVM's VmRSS").isPositive();
	}

	private void pulse(Worker worker, long requests) {
		this.supervisor.pulse(worker, new Message.Pulse(worker.slot.id, 1, requests, 8 << 20, 64 << 20));
		this.loop.runPending();
	}

	// ---- the state table and the tokens ----

	@Test
	void illegalTransitionFailsWithAssertionsAndIsNotMade(CapturedOutput log) {
		start(1);
		readyAll();
		Worker worker = this.supervisor.worker(pid(0));
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> this.supervisor.transition(worker, WorkerState.STARTING))
			.withMessageContaining("READY -> STARTING");
		assertThat(worker.state).isEqualTo(WorkerState.READY);
		assertThat(log).contains("Illegal worker state transition of worker-1");
	}

	@Test
	void eachProcessHasASingleUseTokenBoundToItsPid() {
		start(2);
		Start first = this.starts.get(0);
		Start second = this.starts.get(1);
		assertThat(first.token()).isNotEqualTo(second.token());
		assertThat(authenticate(first.slot(), pid(0) + 1, first.token())).as("another pid").isNull();
		assertThat(authenticate(first.slot(), pid(0), first.token())).as("a token is used up when presented").isNull();
		assertThat(authenticate(1, pid(1), second.token())).as("another slot's token").isNull();
		assertThat(authenticate(2, pid(1), "made-up")).isNull();
		Start restarted = restartSlot(2);
		assertThat(authenticate(2, restarted.process().pid(), restarted.token())).isNotNull();
	}

	// ---- helpers ----

	private Supervisor start(int workers) {
		SupervisorSettings settings = new SupervisorSettings(workers, 8080, TIMEOUTS, "reuseport", null, 1 << 20,
				this.recycle, this.maxSurge);
		RestartPolicy policy = new RestartPolicy(BACKOFF, Duration.ofSeconds(1), this.maxCrashes, Duration.ofMinutes(1),
				this.clock);
		Supervisor supervisor = new Supervisor(settings, (slot, candidate, token) -> {
			int index = this.starts.size();
			if (this.failingStarts.contains(index)) {
				this.failingStarts.remove(Integer.valueOf(index));
				throw new IOException("no such file");
			}
			FakeProcess process = new FakeProcess(this.output.getOrDefault(index, List.of()));
			this.starts.add(new Start(slot, candidate, token, process));
			return process;
		}, policy, this.hub, this.loop, Runnable::run, (pid) -> {
			this.threadDumps.add(pid);
			return "sent SIGQUIT";
		}, this.relayed, this.relayed);
		supervisor.onFatal(this.fatal::add);
		this.supervisor = supervisor;
		supervisor.start();
		this.loop.runPending();
		return supervisor;
	}

	/**
	 * Starts {@code workers} READY workers and a rolling restart; returns its first
	 * replacement.
	 */
	private Start rollout(int workers) {
		start(workers);
		readyAll();
		assertThat(this.supervisor.startRollingRestart(1, "test").started()).isTrue();
		return awaitStart(workers);
	}

	/**
	 * Makes the first replacement of a 2-worker rollout READY, then the second, which
	 * must be for worker-2 from the new build, and waits for the rollout to succeed.
	 */
	private void finishTwoWorkerRollout(Start first) {
		ready(first);
		Start second = awaitStart(4);
		assertThat(second.slot()).isEqualTo(2);
		assertThat(second.candidate()).isTrue();
		ready(second);
		awaitRollout(State.SUCCEEDED);
		assertThat(worker(2).pid()).isEqualTo(second.process().pid());
	}

	private Start restartSlot(int slot) {
		int before = this.starts.size();
		exit(this.starts.get(slot - 1).process(), 1);
		this.loop.advance(BACKOFF);
		return awaitStart(before);
	}

	private IpcServerPeer authenticate(int slot, long pid, String token) {
		IpcServer.Peer peer;
		try {
			peer = this.supervisor.ipcHandler().authenticate(new Hello(slot, pid, token), connectedChannel());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.loop.runPending();
		return (peer != null) ? new IpcServerPeer(peer.describe()) : null;
	}

	/**
	 * Moves the clock on, a second at a time, with a heartbeat of every READY process
	 * that is not {@link #silent}.
	 */
	private void advance(Duration duration) {
		Duration left = duration;
		while (!left.isZero()) {
			Duration step = (left.compareTo(Duration.ofSeconds(1)) < 0) ? left : Duration.ofSeconds(1);
			this.loop.advance(step);
			left = left.minus(step);
			for (Start start : this.starts) {
				Worker worker = this.supervisor.worker(start.process().pid());
				if (worker != null && worker.state == WorkerState.READY && !this.silent.contains(start.process())) {
					this.supervisor.heartbeat(worker, 1);
				}
			}
		}
	}

	/** The master's end of a connection whose worker end nobody reads. */
	private IpcChannel connectedChannel() throws IOException {
		Path socket = Files.createTempDirectory(Path.of("/tmp"), "bc-").resolve("s");
		try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			server.bind(UnixDomainSocketAddress.of(socket));
			SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
			this.closeables.add(client);
			IpcChannel channel = new IpcChannel(server.accept(), new FrameCodec(64 * 1024));
			this.closeables.add(channel);
			return channel;
		}
		finally {
			Files.deleteIfExists(socket);
			Files.deleteIfExists(socket.getParent());
		}
	}

	/** Runs the loop until {@code condition} holds (exits are seen on other threads). */
	private void settle(BooleanSupplier condition) {
		await().pollInSameThread().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
			this.loop.runPending();
			return condition.getAsBoolean();
		});
	}

	private void exit(FakeProcess process, int status) {
		process.exit(status);
		settle(() -> this.supervisor.worker(process.pid()) == null);
	}

	private long pid(int start) {
		return this.starts.get(start).process().pid();
	}

	private void ready(Start start) {
		this.loop.runPending();
		Worker worker = this.supervisor.worker(start.process().pid());
		assertThat(worker).as("process " + start.process().pid() + " is live").isNotNull();
		this.supervisor.ready(worker);
		this.loop.runPending();
	}

	private void readyAll() {
		this.starts.forEach(this::ready);
	}

	/** The n-th process (from 0), once started. */
	private Start awaitStart(int index) {
		settle(() -> this.starts.size() > index);
		return this.starts.get(index);
	}

	private RestartOperation awaitRollout(State state) {
		settle(() -> {
			RestartOperation operation = this.supervisor.snapshot().restart();
			return operation != null && operation.state() == state;
		});
		return this.supervisor.snapshot().restart();
	}

	private WorkerSnapshot worker(int slot) {
		this.loop.runPending();
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
	 * @param token the token it was given
	 * @param process the fake
	 */
	private record Start(int slot, boolean candidate, String token, FakeProcess process) {
	}

	private record IpcServerPeer(String describe) {
	}

}
