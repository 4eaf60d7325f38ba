package dev.bootcluster.sample.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker that stops answering (here frozen with {@code kill -STOP}, so it sends no
 * heartbeat) is found HUNG within {@code cluster.worker.heartbeat-timeout}: the master
 * relays its thread dump (SIGQUIT, then SIGCONT so that a stopped JVM can print it),
 * starts a replacement in the same slot and kills the hung process once the replacement
 * is READY, while the other worker keeps serving.
 * <p>
 * The frozen worker is the cluster's child: {@link ClusterProcess#close()} SIGKILLs it
 * with the rest, and SIGKILL ends a stopped process too.
 */
class HungWorkerIT extends ClusterTestSupport {

	private static final int FRESH_THREADS = 2;

	private static final int KEEP_ALIVE_THREADS = 2;

	/**
	 * Requests the hung worker may fail: the ones in progress on its connections when it
	 * stops or is killed. Each load thread has one connection at a time and the listener
	 * is the shared socket, from which only a running worker accepts; so a thread fails
	 * at most once: the request it had in progress on the hung worker when the master
	 * killed it (one that only waited while the worker was stopped is answered once the
	 * master continues it for its thread dump; the load waits 30 s for an answer). At
	 * most one failure per load thread, then.
	 */
	private static final int FAILURE_BOUND = FRESH_THREADS + KEEP_ALIVE_THREADS;

	@Test
	@SuppressWarnings("unchecked")
	void aStoppedWorkerIsFoundHungDumpedReplacedInItsSlotAndKilled() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2", "--cluster.listener=shared",
				"--cluster.ipc.heartbeat-interval=500ms", "--cluster.worker.heartbeat-timeout=5s");
		this.cluster.awaitReady(2);
		Map<String, Object> before = this.cluster.status();
		List<Map<String, Object>> slots = (List<Map<String, Object>>) before.get("workers");
		Map<String, Object> victimSlot = slots.get(0);
		int slot = ((Number) victimSlot.get("id")).intValue();
		long victim = ((Number) victimSlot.get("pid")).longValue();
		long survivor = ((Number) slots.get(1).get("pid")).longValue();
		assertThat(this.cluster.workerPids()).containsExactlyInAnyOrder(victim, survivor);
		long readyLines = this.cluster.countLines(" READY in ");

		LoadClient load = new LoadClient(this.cluster.port(), "/", FRESH_THREADS, KEEP_ALIVE_THREADS);
		long stoppedAt;
		long hungAfter;
		long dumpAfter;
		long replacedAfter;
		long goneAfter;
		long failedWhenGone;
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> load.succeeded() > 200);
			ClusterProcess.signal(victim, "STOP");
			stoppedAt = System.nanoTime();

			Pattern hung = Pattern.compile(".*HUNG.*\\b" + victim + "\\b.*|.*\\b" + victim + "\\b.*HUNG.*");
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> this.cluster.masterLines().stream().anyMatch((line) -> hung.matcher(line).matches()));
			hungAfter = millisSince(stoppedAt);
			String prefix = "[worker-" + slot + " " + victim + "] ";
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> this.cluster.output()
					.stream()
					.anyMatch((line) -> line.startsWith(prefix) && line.contains("Full thread dump")));
			dumpAfter = millisSince(stoppedAt);
			await().atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> this.cluster.countLines(" READY in ") > readyLines);
			replacedAfter = millisSince(stoppedAt);
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> ClusterProcess.isGone(victim));
			goneAfter = millisSince(stoppedAt);

			// afterwards requests succeed again, and none fails any more
			long atGone = load.succeeded();
			await().atMost(Duration.ofSeconds(30)).until(() -> load.succeeded() > atGone + 200);
			failedWhenGone = load.failed();
			long settled = load.succeeded();
			await().atMost(Duration.ofSeconds(30)).until(() -> load.succeeded() > settled + 300);
		}
		finally {
			load.close();
		}
		long failed = load.failed();
		List<String> failures = load.failures();
		System.out.printf(
				"HungWorkerIT: worker-%d (pid %d) stopped; HUNG logged after %d ms, its thread dump after %d ms, "
						+ "replacement READY after %d ms, the hung process gone after %d ms; load: %d succeeded, "
						+ "%d failed %s%n",
				slot, victim, hungAfter, dumpAfter, replacedAfter, goneAfter, load.succeeded(), failed, failures);

		// no heartbeat since at most one interval (500 ms) before the stop: not HUNG
		// before the 5 s timeout, and replaced within the timeout and a boot
		assertThat(hungAfter).as("ms from the stop to HUNG").isGreaterThanOrEqualTo(4_000);
		assertThat(replacedAfter).as("ms from the stop to the replacement's READY").isLessThanOrEqualTo(60_000);
		assertThat(failed).as("failed requests (at most one per load thread): %s", failures)
			.isLessThanOrEqualTo(FAILURE_BOUND);
		assertThat(failed).as("requests failed after the hung worker was gone: %s", failures).isEqualTo(failedWhenGone);

		// the replacement took the slot of the hung process
		String readyInSlot = "worker-" + slot + " (pid ";
		List<String> replacementReady = this.cluster.masterLines()
			.stream()
			.filter((line) -> line.contains(readyInSlot) && line.contains(") READY in "))
			.filter((line) -> !line.contains("(pid " + victim + ")"))
			.toList();
		assertThat(replacementReady).as("a replacement READY in slot %d", slot).hasSize(1);

		List<Long> after = this.cluster.workerPids();
		assertThat(after).hasSize(2).contains(survivor).doesNotContain(victim);
		long replacement = after.stream().filter((pid) -> pid != survivor).findFirst().orElseThrow();
		assertThat(replacementReady.get(0)).contains("(pid " + replacement + ")");

		Map<String, Object> status = this.cluster.status();
		assertThat(status).containsEntry("ready", 2);
		Map<String, Object> replaced = ((List<Map<String, Object>>) status.get("workers")).stream()
			.filter((worker) -> ((Number) worker.get("id")).intValue() == slot)
			.findFirst()
			.orElseThrow();
		assertThat(replaced).as("slot %d in %s", slot, status)
			.containsEntry("state", "READY")
			.containsEntry("startedFor", "HUNG");
		assertThat(((Number) replaced.get("pid")).longValue()).isEqualTo(replacement);
		Map<String, Object> lastExit = (Map<String, Object>) replaced.get("lastExit");
		assertThat(lastExit).as("lastExit of slot %d", slot).containsEntry("cause", "HUNG");
		assertThat(((Number) lastExit.get("pid")).longValue()).isEqualTo(victim);
		// killed (SIGKILL: 128 + 9) once the replacement was READY
		assertThat(lastExit).containsEntry("exitCode", 137);
		// the replacement serves
		assertThat(this.cluster.fromEveryWorker("/")).containsOnlyKeys(after);
	}

	private static long millisSince(long nanos) {
		return (System.nanoTime() - nanos) / 1_000_000;
	}

}
