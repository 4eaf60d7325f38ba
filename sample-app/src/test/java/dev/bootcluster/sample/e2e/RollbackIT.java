package dev.bootcluster.sample.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rollout that fails after it replaced a worker rolls that worker back too: the
 * operation ends ROLLED_BACK (not FAILED) with every worker on the previous build and no
 * failed request. And a rollout the cluster's stop interrupts is ABORTED, not FAILED,
 * with the master exiting 0 and no worker left.
 */
class RollbackIT extends ClusterTestSupport {

	private static final Pattern GOOD_START = Pattern
		.compile("^\\[worker-(\\d+) (\\d+)\\] .*sample\\.fail-after-first-start: start 1 of this build");

	private static final Pattern FAILING_START = Pattern
		.compile("^\\[worker-(\\d+) (\\d+)\\] .*sample\\.fail-after-first-start: start 2 of this build");

	/**
	 * v2 starts once, then fails (sample.fail-after-first-start): the first replacement
	 * runs v2 and becomes READY, the second exits with status 1 before it is READY, and
	 * the rollout must put v1 back in the slot the first replacement took, under load,
	 * with no request failing.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void aBuildThatFailsOnItsSecondStartIsRolledBackEverywhereWithNoFailedRequest(@TempDir Path temp) throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2");
		this.cluster.awaitReady(2);
		List<Long> before = this.cluster.workerPids();
		assertThat(before).hasSize(2);
		assertThat(versions().values()).containsOnly("1");

		Path counter = temp.resolve("v2-starts");
		LoadClient load = new LoadClient(this.cluster.port(), "/", 2, 2);
		Map<String, Object> restart;
		Set<String> statesSeen = new LinkedHashSet<>();
		long tookMillis;
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> load.succeeded() > 200);
			SampleBuilds.deploy(ClusterProcess.sampleJar(), this.cluster.jar(),
					"sample.version=2\nsample.fail-after-first-start.counter-file=" + counter + "\n");
			long start = System.nanoTime();
			ClusterProcess.RawResponse accepted = this.cluster.fresh("POST", "/actuator/cluster/restart", null,
					Duration.ofSeconds(30));
			assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
			String id = (String) ((Map<String, Object>) ClusterProcess.parse(accepted.body()).get("operation"))
				.get("id");
			restart = awaitEnd(id, statesSeen);
			tookMillis = (System.nanoTime() - start) / 1_000_000;
			long atEnd = load.succeeded();
			await().atMost(Duration.ofSeconds(30)).until(() -> load.succeeded() > atEnd + 200);
		}
		finally {
			load.close();
		}
		long failed = load.failed();
		List<String> failures = load.failures();
		System.out.printf(
				"RollbackIT: rollout %s ended %s after %d ms (states seen %s); load: %d succeeded, "
						+ "%d failed %s; v2 starts counted: %s%n",
				restart.get("id"), restart.get("state"), tookMillis, statesSeen, load.succeeded(), failed, failures,
				Files.exists(counter) ? Files.readString(counter).trim() : "none");

		// the premise: the first v2 replacement became READY, the second one failed
		Matcher good = firstMatch(GOOD_START, "its good first v2 start");
		assertThat(this.cluster.masterLines()).as("the first v2 replacement (pid %s) READY", good.group(2))
			.anySatisfy((line) -> assertThat(line).contains("(pid " + good.group(2) + ") READY in "));
		Matcher failing = firstMatch(FAILING_START, "its failing second v2 start");
		String failingWorker = "worker-" + failing.group(1);

		assertThat(restart).as(restart.toString()).containsEntry("state", "ROLLED_BACK");
		assertThat(statesSeen).as("states of the rollout while it ran").doesNotContain("FAILED");
		assertThat((String) restart.get("reason")).as("the reason of %s", restart).contains(failingWorker);
		assertThat((List<String>) restart.get("lastLines")).as("the failing replacement's last lines")
			.isNotEmpty()
			.anySatisfy((line) -> assertThat(line).contains("fails on purpose"));
		assertThat(failed).as("failed requests during the rollout and its rollback: %s", failures).isZero();
		assertThat(Files.readString(counter).trim()).as("starts of v2 (one good, one failed, no retry)").isEqualTo("2");

		// every worker READY and on v1 again, the slot v2 took back on v1 by the rollback
		Map<String, Object> status = this.cluster.status();
		assertThat(status).containsEntry("ready", 2);
		List<Map<String, Object>> workers = (List<Map<String, Object>>) status.get("workers");
		assertThat(workers).hasSize(2).allSatisfy((worker) -> assertThat(worker).containsEntry("state", "READY"));
		assertThat(workers).as("slots in %s", status)
			.anySatisfy((worker) -> assertThat(worker).containsEntry("startedFor", "ROLLBACK"));
		Map<Long, String> versions = versions();
		assertThat(versions).containsOnlyKeys(this.cluster.workerPids());
		assertThat(versions.values()).as("versions by PID: %s", versions).containsOnly("1");
		assertThat(this.cluster.masterLines()).as("the master's output")
			.noneSatisfy((line) -> assertThat(line).contains("Rolling restart").contains("FAILED"))
			.noneSatisfy((line) -> assertThat(line).containsPattern("worker-\\d+ FAILED"));
	}

	private Matcher firstMatch(Pattern pattern, String what) {
		return this.cluster.output()
			.stream()
			.map(pattern::matcher)
			.filter(Matcher::find)
			.findFirst()
			.orElseThrow(() -> new AssertionError("no worker logged " + what + ":\n" + this.cluster.tail(80)));
	}

	/**
	 * SIGTERM while a rollout waits for a replacement that is slow to become READY (v2
	 * takes a minute): the cluster stops gracefully, the rollout is ABORTED (not FAILED),
	 * the master exits 0 and every worker, the replacement included, is gone.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void sigtermDuringARolloutAbortsItAndStopsEveryWorker() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2");
		this.cluster.awaitReady(2);
		List<Long> before = this.cluster.workerPids();
		SampleBuilds.deploy(ClusterProcess.sampleJar(), this.cluster.jar(),
				"sample.version=2\nsample.start-delay=60s\n");
		ClusterProcess.RawResponse accepted = this.cluster.fresh("POST", "/actuator/cluster/restart", null,
				Duration.ofSeconds(30));
		assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
		String id = (String) ((Map<String, Object>) ClusterProcess.parse(accepted.body()).get("operation")).get("id");

		// the replacement is up and waiting out its delay: the rollout is in progress
		AtomicReference<Long> replacement = new AtomicReference<>();
		await().atMost(ClusterProcess.STARTUP).pollInterval(Duration.ofMillis(200)).until(() -> {
			for (long pid : this.cluster.allSeenPids()) {
				if (!before.contains(pid) && this.cluster.workerLines(pid)
					.stream()
					.anyMatch((line) -> line.contains("sample.start-delay: becoming ready"))) {
					replacement.set(pid);
				}
			}
			return replacement.get() != null;
		});
		Map<String, Object> restart = (Map<String, Object>) this.cluster.status().get("restart");
		assertThat(restart).as("the rollout when the master gets SIGTERM")
			.containsEntry("id", id)
			.containsEntry("state", "RUNNING");

		long stoppedAt = System.nanoTime();
		ClusterProcess.signal(this.cluster.masterPid(), "TERM");
		int status = this.cluster.awaitExit(Duration.ofSeconds(90));
		long exitMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
		System.out.printf("RollbackIT: master exited %d, %d ms after SIGTERM during rollout %s (replacement pid %d)%n",
				status, exitMillis, id, replacement.get());
		assertThat(status).as("master exit status:\n%s", this.cluster.tail(40)).isZero();
		assertThat(this.cluster.allSeenPids()).as("every process the master ever started")
			.contains(replacement.get())
			.allMatch(ClusterProcess::isGone);
		// the output pipe is read to its end
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.cluster.countLines("Rolling restart " + id + " ABORTED") > 0);
		assertThat(id).isEqualTo("restart-1");
		assertThat(this.cluster.masterLines()).as("the master's output")
			.noneSatisfy((line) -> assertThat(line).contains("FAILED"));
	}

	/** Awaits the end of the rollout {@code id}, noting the states it went through. */
	@SuppressWarnings("unchecked")
	private Map<String, Object> awaitEnd(String id, Set<String> statesSeen) {
		AtomicReference<Map<String, Object>> restart = new AtomicReference<>();
		await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(250)).until(() -> {
			// a fresh connection each time: a pooled one may be held by a draining worker
			ClusterProcess.RawResponse response = this.cluster.fresh("GET", "/actuator/cluster", null,
					Duration.ofSeconds(30));
			if (response.status() != 200) {
				return false;
			}
			Map<String, Object> current = (Map<String, Object>) ClusterProcess.parse(response.body()).get("restart");
			if (current == null || !id.equals(current.get("id"))) {
				return false;
			}
			restart.set(current);
			String state = (String) current.get("state");
			statesSeen.add(state);
			return !state.equals("RUNNING") && !state.equals("ROLLING_BACK");
		});
		return restart.get();
	}

	/** Fresh connections until every worker answered: its version by PID. */
	private Map<Long, String> versions() throws Exception {
		Map<Long, String> versions = new java.util.HashMap<>();
		this.cluster.fromEveryWorker("/")
			.forEach((pid, answer) -> versions.put(pid, String.valueOf(answer.get("version"))));
		return versions;
	}

}
