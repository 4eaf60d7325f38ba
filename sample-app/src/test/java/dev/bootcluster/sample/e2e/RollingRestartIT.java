package dev.bootcluster.sample.e2e;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rolling restart in {@code reuseport} mode under load loses no request; then
 * {@code kill -9} of the master takes every worker with it. The other rolling restarts
 * (deploys, rollbacks, the default listener) are in ServersIT, DeployIT and RollbackIT.
 */
class RollingRestartIT extends ClusterTestSupport {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final Path TCP_MIGRATE_REQ = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");

	/**
	 * Per stopped SO_REUSEPORT listener without tcp_migrate_req (see docs/BENCHMARKS.md).
	 */
	private static final int LOSS_BOUND_WITHOUT_MIGRATION = 200;

	private String savedMigrate;

	@AfterEach
	void restoreMigration() throws IOException {
		if (this.savedMigrate != null) {
			Files.writeString(TCP_MIGRATE_REQ, this.savedMigrate);
		}
	}

	/**
	 * reuseport needs the kernel to move a closing listener's queue (tcp_migrate_req=1;
	 * where the test may not set it, a bounded loss is allowed). The default listener
	 * (auto: the shared socket) needs nothing: ServersIT's rolling deploys run it with
	 * the sysctl at 0, the sample's on JDK 25, and RollbackIT and DeployIT under load
	 * too.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void rollingRestartInReusePortModeUnderLoadLosesNoRequest() throws Exception {
		String migrate = "1";
		boolean migrating = setMigration(migrate);
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2", "--cluster.listener=reuseport");
		this.cluster.awaitReady(2);
		String mode = "reuseport";
		List<Long> before = this.cluster.workerPids();
		LoadClient load = new LoadClient(this.cluster.port(), "/", 3, 3);
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> load.succeeded() > 200);
			HttpResponse<String> response = this.cluster.post("/actuator/cluster/restart");
			assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
			Map<String, Object> accepted = json.readValue(response.body(), new TypeReference<Map<String, Object>>() {
			});
			String id = (String) ((Map<String, Object>) accepted.get("operation")).get("id");
			// a second request while it runs: 409 with the running id
			HttpResponse<String> second = this.cluster.post("/actuator/cluster/restart");
			assertThat(second.statusCode()).isEqualTo(409);
			assertThat(second.body()).contains("\"id\":\"" + id + "\"");
			Map<String, Object> restart = this.cluster.awaitRestartEnd(id);
			assertThat(restart).as(restart.toString()).containsEntry("state", "SUCCEEDED").containsEntry("replaced", 2);
			long atEnd = load.succeeded();
			await().atMost(Duration.ofSeconds(10)).until(() -> load.succeeded() > atEnd + 100);
		}
		finally {
			load.close();
		}
		Set<Long> after = new HashSet<>(this.cluster.workerPids());
		assertThat(after).hasSize(2).doesNotContainAnyElementsOf(before);
		long succeeded = load.succeeded();
		long failed = load.failed();
		List<String> failures = load.failures();
		assertThat(this.cluster.output()).anySatisfy((line) -> assertThat(line).contains("Listener mode " + mode));
		// no JVM warning (an illegal reflective access, a restricted native call,
		// sun.misc.Unsafe)
		assertThat(this.cluster.output()).noneMatch((line) -> line.startsWith("WARNING:"));
		System.out.printf("rolling restart under load (%s): %d succeeded, %d failed (tcp_migrate_req=%s)%n", mode,
				succeeded, failed, migrating ? migrate : "unchanged");
		assertThat(succeeded).isGreaterThan(300);
		assertRestartedSlots(this.cluster);
		if (migrating) {
			assertThat(failed).as("failed requests: %s", failures).isZero();
		}
		else {
			// cannot set the sysctl here: connections queued on the closing listeners are
			// reset
			assertThat(failed).as("failed requests: %s", failures).isLessThanOrEqualTo(LOSS_BOUND_WITHOUT_MIGRATION);
		}

		// the master's end: kill -9 leaves no orphan, the workers this restart started
		// included (SIGTERM, the graceful stop, is in ServersIT for every server)
		ClusterProcess.signal(this.cluster.masterPid(), "KILL");
		long killedAt = System.nanoTime();
		await().atMost(Duration.ofSeconds(2))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.cluster.allSeenPids().stream().allMatch(ClusterProcess::isGone));
		System.out.println("RollingRestartIT: every worker gone " + (System.nanoTime() - killedAt) / 1_000_000
				+ " ms after kill -9 of the master");
	}

	/**
	 * Each slot's fresh process says it replaced one from a rolling restart, not a crash.
	 */
	@SuppressWarnings("unchecked")
	private static void assertRestartedSlots(ClusterProcess cluster) throws Exception {
		Map<String, Object> status = json.readValue(cluster.get("/actuator/cluster").body(),
				new TypeReference<Map<String, Object>>() {
				});
		List<Map<String, Object>> workers = (List<Map<String, Object>>) status.get("workers");
		assertThat(status).containsEntry("restarts", 0);
		assertThat(workers).hasSize(2).allSatisfy((worker) -> {
			assertThat(worker).containsEntry("state", "READY")
				.containsEntry("startedFor", "RESTART")
				.containsEntry("restarts", 0)
				.containsEntry("replacements", 1);
			assertThat((Map<String, Object>) worker.get("lastExit")).containsEntry("cause", "REPLACED")
				.containsEntry("exitCode", 0);
		});
	}

	private boolean setMigration(String value) {
		try {
			String saved = Files.readString(TCP_MIGRATE_REQ).trim();
			Files.writeString(TCP_MIGRATE_REQ, value);
			this.savedMigrate = saved;
			return true;
		}
		catch (IOException ex) {
			this.savedMigrate = null;
			return false;
		}
	}

}
