package dev.bootcluster.sample.e2e;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every web server must do in a cluster, run by {@link ServersIT} once per
 * {@link App}.
 * <p>
 * Two clusters per server keep the CI time down, one for each listener mode: a TLS
 * cluster in {@code reuseport} mode (HTTPS on the main port, a plain separate management
 * port, {@code server.address=127.0.0.1}) serves the read-only checks and a session
 * counted over both workers, then loses a worker to {@code kill -9} and finally gets the
 * graceful SIGTERM that ends it; a second, plain cluster in the default listener mode
 * (the shared socket) takes the rolling deploy under load, the sample's on JDK 25. The
 * tests run in order and never overlap (one cluster at a time on a 2-core machine).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(ClusterCleanup.class)
abstract class ServerScenarios {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	private static final Path TCP_MIGRATE_REQ = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");

	/**
	 * How the master reports a worker that died on its own:
	 * {@code worker-1 (pid N) crashed: ...} (the wording before the exit status rework
	 * was {@code exited unexpectedly}). The crash test checks that a kill -9 is reported
	 * so, which keeps the SIGTERM test's "none reported" honest.
	 */
	private static final String[] CRASH_REPORTS = { ") crashed", "exited unexpectedly" };

	/**
	 * Long enough to be in progress when the stop begins (seconds of CPU), short enough
	 * for CI.
	 */
	private static final long LONG_WORK = 2_000_000_000L;

	protected final App app;

	private Path directory;

	private TestKeyStore keys;

	/**
	 * The TLS cluster: started in {@link #startTlsCluster()}, awaited by the first test
	 * needing it.
	 */
	private ClusterProcess tlsCluster;

	private boolean tlsClusterReady;

	private Throwable tlsClusterFailure;

	private String savedMigrate;

	ServerScenarios(App app) {
		this.app = app;
	}

	/**
	 * Starts the TLS cluster without waiting for it, so that a start failure fails the
	 * tests that need it (not the whole class: the rolling deploy still runs on its own
	 * cluster). {@link ClusterCleanup} owns it from here.
	 */
	@BeforeAll
	void startTlsCluster() throws Exception {
		this.directory = Files.createTempDirectory("servers-it-" + this.app.name().toLowerCase(Locale.ROOT) + "-");
		this.keys = TestKeyStore.generate(this.directory);
		this.tlsCluster = ClusterProcess.startTls(this.app, this.keys, "--server.port=0", "--server.address=127.0.0.1",
				"--management.server.port=0",
				// Boot gives the management server the main port's TLS setup unless told
				// otherwise
				"--management.server.ssl.enabled=false", "--cluster.workers=2", "--cluster.listener=reuseport");
	}

	@AfterAll
	void deleteKeys() throws IOException {
		if (this.directory != null) {
			try (Stream<Path> files = Files.walk(this.directory)) {
				for (Path path : files.sorted(Collections.reverseOrder()).toList()) {
					Files.deleteIfExists(path);
				}
			}
		}
	}

	@AfterEach
	void restoreMigration() throws IOException {
		if (this.savedMigrate != null) {
			Files.writeString(TCP_MIGRATE_REQ, this.savedMigrate);
			this.savedMigrate = null;
		}
	}

	/**
	 * The TLS cluster once both workers are READY; if it never got there, every later
	 * test says so.
	 */
	protected ClusterProcess tlsCluster() {
		if (!this.tlsClusterReady) {
			if (this.tlsClusterFailure != null) {
				throw new AssertionError("the " + this.app + " TLS cluster did not start", this.tlsClusterFailure);
			}
			try {
				this.tlsCluster.awaitReady(2);
				this.tlsClusterReady = true;
				System.out.printf("ServersIT %s TLS cluster: listener mode %s%n", this.app,
						this.tlsCluster.listenerMode());
			}
			catch (RuntimeException | AssertionError ex) {
				this.tlsClusterFailure = ex;
				throw ex;
			}
		}
		return this.tlsCluster;
	}

	/**
	 * (a, d) Fresh HTTPS connections from several clients at once reach every worker, and
	 * only workers: the handshake succeeds with a client that trusts only the generated
	 * certificate.
	 */
	@Test
	@Order(1)
	void freshHttpsConnectionsFromManyClientsSpreadOverEveryWorkerAndTheMasterServesNone() throws Exception {
		ClusterProcess cluster = tlsCluster();
		List<Long> workers = cluster.workerPids();
		assertThat(workers).as("workers of the %s master", this.app).hasSize(2);

		Map<Long, Integer> spread = cluster.spread("/", 4);
		System.out.printf("ServersIT %s: fresh HTTPS connections per worker PID %s%n", this.app, spread);
		assertThat(spread.keySet()).as("PIDs that answered fresh HTTPS connections (%s)", spread)
			.containsExactlyInAnyOrderElementsOf(workers)
			.doesNotContain(cluster.masterPid());

		// the ordinary client (hostname checked against the certificate) gets through too
		HttpResponse<String> response = cluster.get("/");
		assertThat(response.uri().getScheme()).isEqualTo("https");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Map<String, Object> hello = JSON.readValue(response.body(), MAP);
		assertThat(hello.get("version")).as("GET / of %s: %s", this.app, hello).hasToString("1");
		if (this.app.serverField() != null) {
			assertThat(hello).as("GET / of %s", this.app).containsEntry("server", this.app.serverField());
		}

		// each worker ran this very application on the expected server, with TLS on the
		// main port
		List<String> output = cluster.output();
		// the master's context: lean without @ClusterMaster classes (jetty, webflux), the
		// application's auto-configuration for the sample's UsersCounter
		String masterContext = output.stream()
			.filter((line) -> !line.startsWith("[worker-") && line.contains("Master context: "))
			.findFirst()
			.orElseThrow(() -> new AssertionError("the master logged no 'Master context' line"));
		if (this.app == App.SAMPLE) {
			assertThat(masterContext).contains("1 @ClusterMaster bean under").doesNotContain("lean");
		}
		else {
			assertThat(masterContext).contains("0 @ClusterMaster beans")
				.contains("lean: the cluster's own configuration only");
		}
		for (long pid : workers) {
			List<String> own = output.stream()
				.filter((line) -> line.matches("\\[worker-\\d+ " + pid + "\\] .*"))
				.toList();
			assertThat(own).as("output of worker pid %d", pid)
				.anySatisfy((line) -> assertThat(line).contains("Started " + this.app.mainClass()))
				.anySatisfy((line) -> assertThat(line).contains(this.app.server() + " started on"));
		}
	}

	/**
	 * (b) A separate management port is served by every worker too (plain HTTP here), and
	 * actuator is not on the main port.
	 */
	@Test
	@Order(2)
	void everyWorkerAlsoServesTheSeparateManagementPort() throws Exception {
		ClusterProcess cluster = tlsCluster();
		assertThat(cluster.managementPort()).as("management port").isNotEqualTo(cluster.port());

		Map<Long, Integer> spread = cluster.spread("/actuator/cluster", 4);
		assertThat(spread.keySet()).as("PIDs that answered /actuator/cluster on the management port (%s)", spread)
			.containsExactlyInAnyOrderElementsOf(cluster.workerPids());

		Map<String, Object> status = cluster.getJson("/actuator/cluster");
		assertThat(status).as("/actuator/cluster of %s", this.app)
			.containsEntry("role", "MASTER")
			.containsEntry("desired", 2)
			.containsEntry("ready", 2)
			.containsEntry("port", cluster.port());
		assertThat(((Number) status.get("masterPid")).longValue()).isEqualTo(cluster.masterPid());

		ClusterProcess.RawResponse onMainPort = cluster.exchange(cluster.port(), cluster.tls(), "/actuator/cluster");
		assertThat(onMainPort.status()).as("/actuator/cluster on the main port: %s", onMainPort.body()).isEqualTo(404);
	}

	/**
	 * (c) {@code server.address=127.0.0.1}: whoever binds the main port (each worker of
	 * this reuseport cluster; the master for a shared socket) binds it to the loopback
	 * address only.
	 */
	@Test
	@Order(3)
	void theServerAddressIsHonoured() throws Exception {
		ClusterProcess cluster = tlsCluster();
		int port = cluster.port();
		List<String> listeners = listeningAddresses(port);
		assertThat(listeners).as("listening sockets on port %d (/proc/net/tcp, tcp6)", port)
			.isNotEmpty()
			.allSatisfy((address) -> assertThat(address).isIn("0100007F", "0000000000000000FFFF00000100007F"));
		for (InetAddress other : otherLocalAddresses()) {
			assertThat(connects(other, port)).as("a connection to %s:%d", other.getHostAddress(), port).isFalse();
		}
	}

	/**
	 * The TLS cluster's listener mode, {@code reuseport}: every worker binds a
	 * {@code SO_REUSEPORT} socket of its own, which the starter reads back after the bind
	 * (a worker whose server dropped the option would exit as misconfigured and stop the
	 * cluster), and the kernel spreads fresh connections over them (the first test saw
	 * both workers answer). The application's own session ({@code HttpSession} on Tomcat
	 * and Jetty, WebFlux's {@code WebSession} on Netty) is then one session on both
	 * workers: a counter kept in it counts 1..20 over fresh HTTPS connections.
	 */
	@Test
	@Order(5)
	void inReusePortModeEveryWorkerBindsItsOwnSocketAndASessionCountsAcrossThem() throws Exception {
		ClusterProcess cluster = tlsCluster();
		assertThat(cluster.listenerMode()).as("listener mode of %s", this.app).startsWith("reuseport");
		assertThat(cluster.output()).noneMatch((line) -> line.contains("misconfigured"));

		List<Long> workers = cluster.workerPids();
		Browser browser = cluster.browser();
		Set<Long> pids = new HashSet<>();
		for (int i = 1; i <= 20; i++) {
			Map<String, Object> answer = browser.getJson("/session/counter");
			assertThat(answer.get("count")).as("%s: request %d, answered by %s", this.app, i, answer).isEqualTo(i);
			pids.add(ClusterProcess.pidOf(answer));
		}
		assertThat(browser.session()).as("session cookie").isNotNull();
		assertThat(pids).as("PIDs that served the session").containsExactlyInAnyOrderElementsOf(workers);
	}

	/**
	 * (e) {@code kill -9} of a worker: the other one answers every request while the
	 * master starts a replacement, which becomes READY and serves; the status counts the
	 * crash and the slot's last exit (137, CRASHED).
	 */
	@Test
	@Order(10)
	@SuppressWarnings("unchecked")
	void aKilledWorkerIsReplacedWhileTheOtherKeepsServing() throws Exception {
		ClusterProcess cluster = tlsCluster();
		List<Long> before = cluster.workerPids();
		assertThat(before).hasSize(2);
		long victim = before.get(0);
		long survivor = before.get(1);
		long readyLines = cluster.countLines(" READY in ");

		ClusterProcess.signal(victim, "KILL");
		await().atMost(Duration.ofSeconds(10)).until(() -> ClusterProcess.isGone(victim));
		// a replacement JVM needs seconds to boot: these all reach the survivor
		for (int i = 0; i < 20; i++) {
			ClusterProcess.FreshAnswer answer = cluster.getFresh("/");
			assertThat(answer.status()).as("request %d after the kill: %s", i, answer.body()).isEqualTo(200);
			assertThat(ClusterProcess.pidOf(answer.body())).as("PID that answered request %d after the kill", i)
				.isEqualTo(survivor);
		}

		await().atMost(ClusterProcess.STARTUP).until(() -> cluster.countLines(" READY in ") > readyLines);
		List<Long> after = cluster.workerPids();
		assertThat(after).as("workers after the replacement").hasSize(2).contains(survivor).doesNotContain(victim);
		long replacement = after.stream().filter((pid) -> pid != survivor).findFirst().orElseThrow();

		// the crash is counted, and the slot says what happened to it
		Map<String, Object> status = cluster.getJson("/actuator/cluster");
		assertThat(status).as("/actuator/cluster after the replacement")
			.containsEntry("ready", 2)
			.containsEntry("restarts", 1);
		assertThat((List<Map<String, Object>>) status.get("workers")).as("workers in %s", status)
			.anySatisfy((worker) -> {
				assertThat(worker).containsEntry("pid", (int) replacement)
					.containsEntry("state", "READY")
					.containsEntry("startedFor", "CRASH")
					.containsEntry("restarts", 1)
					.containsEntry("replacements", 0);
				assertThat((Map<String, Object>) worker.get("lastExit")).containsEntry("pid", (int) victim)
					.containsEntry("exitCode", 137)
					.containsEntry("cause", "CRASHED");
			});
		assertThat(cluster.fromEveryWorker("/")).as("answers by PID, the replacement's included")
			.containsOnlyKeys(after);
		assertThat(cluster.output()).as("the master's report of the kill")
			.anySatisfy(
					(line) -> assertThat(line).contains("(pid " + victim + ") crashed: killed (SIGKILL), exit 137"));
	}

	/**
	 * (f) SIGTERM to the master stops the cluster gracefully: a long request in progress
	 * gets its answer, every worker ends, the master exits 0, and no worker is reported
	 * as crashed.
	 */
	@Test
	@Order(20)
	void sigtermStopsTheClusterGracefullyAndARequestInProgressCompletes() throws Exception {
		ClusterProcess cluster = tlsCluster();
		List<Long> workers = cluster.workerPids();
		long longStarted = cluster.countLines("Long /work request started");
		CompletableFuture<HttpResponse<String>> inProgress = CompletableFuture.supplyAsync(() -> {
			try {
				return cluster.get("/work?iterations=" + LONG_WORK);
			}
			catch (IOException | InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		// in progress means a worker runs it: a connection still queued when the workers
		// stop accepting is reset, as with any server that stops
		await().atMost(Duration.ofSeconds(30))
			.until(() -> cluster.countLines("Long /work request started") > longStarted);
		int stoppedAt = cluster.output().size();
		ClusterProcess.signal(cluster.masterPid(), "TERM");

		assertThat(cluster.awaitExit(Duration.ofSeconds(45))).as("master exit status:\n%s", cluster.tail(40)).isZero();
		HttpResponse<String> response = inProgress.get(30, TimeUnit.SECONDS);
		assertThat(response.statusCode()).as("the request in progress: %s", response.body()).isEqualTo(200);
		assertThat(response.body()).contains("\"result\"");
		assertThat(workers).as("workers after the master exited").allMatch(ClusterProcess::isGone);
		assertThat(cluster.allSeenPids()).as("every process the master ever started").allMatch(ClusterProcess::isGone);
		List<String> output = cluster.output();
		assertThat(output).anySatisfy((line) -> assertThat(line).contains("stopping the cluster gracefully"));
		assertThat(output.subList(stoppedAt, output.size())).as("output after SIGTERM")
			.noneSatisfy((line) -> assertThat(line).containsAnyOf(CRASH_REPORTS));
	}

	/**
	 * (g) The heavy one: a rolling restart that deploys a new build (renamed over the
	 * jar) under fresh-connection and keep-alive load, in the default listener mode
	 * (which must be the shared socket), with {@code tcp_migrate_req=0} (so a reuseport
	 * listener that closes with connections queued may reset them): no request fails, and
	 * every worker then answers the new version. The sample is restarted by SIGHUP (the
	 * master's signal handling is the same for every server, so once is enough), the
	 * others by {@code POST /actuator/cluster/restart}, which goes through their own
	 * actuator; a second request while the restart runs answers 409. The sample's cluster
	 * runs on JDK 25, where the master reaches the descriptor calls of the shared socket
	 * without any flag and the JVM must print no warning (the other servers run on the
	 * default JDK, as every other test does).
	 */
	@Test
	@Order(30)
	@SuppressWarnings("unchecked")
	void aRollingDeployUnderLoadInTheDefaultListenerModeLosesNoRequest() throws Exception {
		if (this.tlsCluster != null) {
			// normally gone after the SIGTERM test; never two clusters at once
			this.tlsCluster.close();
		}
		String migrate = setMigration("0");
		Path java = (this.app == App.SAMPLE) ? ClusterProcess.jdk25Java() : ClusterProcess.currentJava();
		assertThat(java).as("the java this test runs the %s cluster on", this.app).isExecutable();
		ClusterProcess cluster = ClusterProcess.start(java, this.app, "--server.port=0", "--cluster.workers=2");
		cluster.awaitReady(2);
		String mode = cluster.listenerMode();
		List<Long> before = cluster.workerPids();
		assertThat(before).hasSize(2);
		assertThat(versions(cluster)).as("versions by PID before the deploy")
			.containsOnlyKeys(before)
			.containsValues("1");

		LoadClient load = new LoadClient(cluster.port(), "/", 3, 3);
		Map<String, Object> restart;
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> load.succeeded() > 200);
			SampleBuilds.deploy(this.app.jar(), cluster.jar(), this.app.versionProperty() + "=2\n");
			String id;
			if (this.app == App.SAMPLE) {
				ClusterProcess.signal(cluster.masterPid(), "HUP");
				id = cluster.awaitRestartRunning();
			}
			else {
				HttpResponse<String> accepted = cluster.post("/actuator/cluster/restart");
				assertThat(accepted.statusCode()).as("POST /actuator/cluster/restart: %s", accepted.body())
					.isEqualTo(202);
				id = (String) ((Map<String, Object>) JSON.readValue(accepted.body(), MAP).get("operation")).get("id");
			}
			HttpResponse<String> second = cluster.post("/actuator/cluster/restart");
			assertThat(second.statusCode()).as("a second restart while %s runs: %s", id, second.body()).isEqualTo(409);
			assertThat(second.body()).contains("\"id\":\"" + id + "\"");
			restart = cluster.awaitRestartEnd(id);
			long atEnd = load.succeeded();
			await().atMost(Duration.ofSeconds(10)).until(() -> load.succeeded() > atEnd + 100);
		}
		finally {
			load.close();
		}
		long succeeded = load.succeeded();
		long failed = load.failed();
		List<String> failures = load.failures();
		System.out.printf(
				"ServersIT %s rolling deploy under load on %s: %d succeeded, %d failed "
						+ "(tcp_migrate_req=%s); listener mode %s; restart %s%n",
				this.app, java, succeeded, failed, migrate, mode, restart);

		assertThat(restart).as("the rolling restart").containsEntry("state", "SUCCEEDED").containsEntry("replaced", 2);
		if (this.app == App.SAMPLE) {
			assertThat(restart).containsEntry("trigger", "SIGHUP");
		}
		// On Linux, auto picks the shared socket wherever the JVM lets the starter make
		// the descriptor calls (JDK 17 and 25 do, without flags), and every server can
		// accept from it. Asserted, not just logged: this load alone does not tell the
		// modes apart (forced to reuseport with tcp_migrate_req=0, Jetty lost 0 of
		// 109,731 requests once), so the mode is what guarantees that the default loses
		// no queued connection. For the sample (on JDK 25) this also stands in for
		// RollingRestartIT's former "shared" rows on JDK 17 and 25.
		assertThat(mode).as("listener mode of %s with cluster.listener unset", this.app).startsWith("shared");
		// no JVM warning (an illegal reflective access, a restricted native call on JDK
		// 25, sun.misc.Unsafe)
		assertThat(cluster.output()).as("the %s cluster's output", this.app)
			.noneMatch((line) -> line.startsWith("WARNING:"));
		assertThat(succeeded).as("requests answered during the test").isGreaterThan(300);
		assertThat(failed)
			.as("failed requests (listener mode %s, tcp_migrate_req=%s), first ones: %s", mode, migrate,
					failures.subList(0, Math.min(20, failures.size())))
			.isZero();
		Set<Long> after = new HashSet<>(cluster.workerPids());
		assertThat(after).as("workers after the deploy").hasSize(2).doesNotContainAnyElementsOf(before);
		Map<Long, String> versions = versions(cluster);
		assertThat(versions).as("versions by PID after the deploy").containsOnlyKeys(after);
		assertThat(versions.values()).as("versions by PID after the deploy: %s", versions).containsOnly("2");
	}

	/** Every worker's {@code version}, by PID, over fresh connections. */
	private static Map<Long, String> versions(ClusterProcess cluster) throws IOException {
		Map<Long, String> versions = new java.util.HashMap<>();
		cluster.fromEveryWorker("/").forEach((pid, answer) -> versions.put(pid, String.valueOf(answer.get("version"))));
		return versions;
	}

	/**
	 * Sets the sysctl for this test (restored after it); returns the value in force,
	 * which stays as it was where the test may not write it (not root).
	 */
	private String setMigration(String value) throws IOException {
		String saved = Files.readString(TCP_MIGRATE_REQ).trim();
		try {
			Files.writeString(TCP_MIGRATE_REQ, value);
			this.savedMigrate = saved;
		}
		catch (IOException ex) {
			System.out.println("ServersIT: cannot set net.ipv4.tcp_migrate_req (" + ex + "), it stays " + saved);
		}
		return Files.readString(TCP_MIGRATE_REQ).trim();
	}

	/**
	 * Local addresses of the sockets listening on {@code port}, as /proc/net/tcp and tcp6
	 * write them.
	 */
	private static List<String> listeningAddresses(int port) throws IOException {
		String hexPort = String.format("%04X", port);
		List<String> addresses = new ArrayList<>();
		for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
			List<String> lines = Files.readAllLines(Path.of(table));
			for (String line : lines.subList(1, lines.size())) {
				String[] fields = line.trim().split("\\s+");
				String[] local = fields[1].split(":");
				if (local[1].equals(hexPort) && fields[3].equals("0A")) {
					addresses.add(local[0]);
				}
			}
		}
		return addresses;
	}

	/**
	 * This host's IPv4 addresses other than loopback (where a wildcard bind would also
	 * listen).
	 */
	private static List<InetAddress> otherLocalAddresses() throws SocketException {
		List<InetAddress> addresses = new ArrayList<>();
		for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
			if (nic.isUp()) {
				nic.inetAddresses()
					.filter((address) -> address instanceof Inet4Address && !address.isLoopbackAddress())
					.forEach(addresses::add);
			}
		}
		return addresses;
	}

	private static boolean connects(InetAddress address, int port) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(address, port), 2000);
			return true;
		}
		catch (ConnectException ex) {
			return false;
		}
	}

}
