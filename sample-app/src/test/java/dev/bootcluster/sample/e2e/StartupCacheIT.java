package dev.bootcluster.sample.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The workers' startup cache on real JVMs: trained once the cluster is READY, mapped by
 * every later worker (the archive shows in the worker's memory maps), retrained for a new
 * build deployed by a rolling restart (whose workers never run the previous build's
 * archive), and a broken archive refused by the JVM with the workers starting normally.
 * Each test keeps its archives in a directory of its own, so that it trains.
 */
class StartupCacheIT extends ClusterTestSupport {

	private static final Duration TRAINING = Duration.ofMinutes(4);

	@TempDir
	Path cacheRoot;

	@Test
	void onJdk25WorkersStartFromTheAotCacheOfTheirOwnBuild() throws Exception {
		this.cluster = ClusterProcess.start(ClusterProcess.jdk25Java(), App.SAMPLE, "--server.port=0",
				"--cluster.workers=2", "--cluster.worker.startup-cache.directory=" + this.cacheRoot);
		this.cluster.awaitReady(2);
		await().atMost(TRAINING).until(() -> this.cluster.countLines("Startup cache ready") == 1);
		Path first = archiveOf(replaceWorker(this.cluster.workerPids().get(0)));
		assertThat(first.getFileName().toString()).endsWith(".aot");
		// the training run also loaded what the first worker loaded (IPC, Tomcat's start)
		assertThat(trainingOutput())
			.anyMatch((line) -> line.matches("Training run: loaded \\d{4,} of the \\d+ classes a worker loaded"));
		// both workers on the archive: mapped at its base address, its read-only part is
		// one copy in memory for both (relocated to a random address, as JDK 25 does by
		// default, about 20 % of it is shared: measured 16 of 73 MB against 43 of 73)
		long notOnIt = this.cluster.workerPids()
			.stream()
			.filter((pid) -> !ClusterProcess.commandLine(pid).contains(first.toString()))
			.findFirst()
			.orElseThrow();
		assertThat(archiveOf(replaceWorker(notOnIt))).isEqualTo(first);
		for (long pid : this.cluster.workerPids()) {
			assertThat(ClusterProcess.commandLine(pid)).contains("-XX:ArchiveRelocationMode=0");
			long[] sharedAndRss = archivePages(pid, first);
			assertThat(sharedAndRss[0])
				.as("archive pages (KB) of worker pid %d shared with the other worker, of %d", pid, sharedAndRss[1])
				.isGreaterThan(sharedAndRss[1] * 4 / 10);
		}

		// deploy version 2: its workers run its own layout, never the archive of version
		// 1
		SampleBuilds.deploy(ClusterProcess.sampleJar(), this.cluster.jar(), "sample.version=2\n");
		String id = (String) ((Map<?, ?>) ClusterProcess.parse(this.cluster.post("/actuator/cluster/restart").body())
			.get("operation")).get("id");
		assertThat(this.cluster.awaitRestartEnd(id)).containsEntry("state", "SUCCEEDED");
		for (long pid : this.cluster.workerPids()) {
			assertThat(ClusterProcess.commandLine(pid)).doesNotContain(first.toString());
		}
		assertThat(versionsByPid().values()).containsOnly("2");
		await().atMost(TRAINING).until(() -> this.cluster.countLines("Startup cache ready") == 2);
		Path second = archiveOf(replaceWorker(this.cluster.workerPids().get(0)));
		assertThat(second).isNotEqualTo(first);
		assertThat(versionsByPid().values()).containsOnly("2");
		assertThat(this.cluster.countLines("Startup cache not used")).isZero();
	}

	@Test
	void onJdk17ABrokenArchiveIsRefusedOnceAndWorkersStartWithoutIt() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2",
				"--cluster.worker.startup-cache.directory=" + this.cacheRoot);
		this.cluster.awaitReady(2);
		await().atMost(TRAINING).until(() -> this.cluster.countLines("Startup cache ready") == 1);
		Path archive = archiveOf(replaceWorker(this.cluster.workerPids().get(0)));
		assertThat(archive.getFileName().toString()).endsWith(".jsa");
		this.cluster.close();

		// truncated, the archive crashes a JDK 17 that maps it (SIGABRT): the check
		// run must catch it
		Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-------"));
		byte[] head = new byte[100_000];
		System.arraycopy(Files.readAllBytes(archive), 0, head, 0, head.length);
		Files.write(archive, head);
		Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("r--------"));

		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2",
				"--cluster.worker.startup-cache.directory=" + this.cacheRoot);
		this.cluster.awaitReady(2);
		assertThat(this.cluster.output())
			.filteredOn((line) -> line.contains("Startup cache not used") && line.contains("the JVM refused"))
			.hasSize(1);
		assertThat(archive).doesNotExist();
		for (long pid : this.cluster.workerPids()) {
			assertThat(ClusterProcess.commandLine(pid)).doesNotContain("-XX:SharedArchiveFile");
		}
		long victim = this.cluster.workerPids().get(0);
		ClusterProcess.signal(victim, "KILL");
		awaitReplaced(victim);
		assertThat(this.cluster.countLines("Startup cache not used")).isEqualTo(1);
	}

	/** Kills worker {@code victim} and returns the pid of its READY replacement. */
	private long replaceWorker(long victim) throws Exception {
		List<Long> before = this.cluster.workerPids();
		ClusterProcess.signal(victim, "KILL");
		awaitReplaced(victim);
		return this.cluster.workerPids()
			.stream()
			.filter((pid) -> !before.contains(pid))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no replacement of " + victim + " in " + this.cluster.workerPids()));
	}

	/** The archive the worker was started with, checked to be mapped into its memory. */
	private Path archiveOf(long pid) throws IOException {
		String option = Stream.of(ClusterProcess.commandLine(pid).split(" "))
			.filter((arg) -> arg.startsWith("-XX:AOTCache=") || arg.startsWith("-XX:SharedArchiveFile="))
			.findFirst()
			.orElseThrow(() -> new AssertionError(
					"worker pid " + pid + " was started without an archive: " + ClusterProcess.commandLine(pid)));
		Path archive = Path.of(option.substring(option.indexOf('=') + 1));
		assertThat(archive).startsWith(this.cacheRoot).isRegularFile();
		List<String> maps = Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"));
		assertThat(maps).as("memory maps of worker pid " + pid).anyMatch((line) -> line.endsWith(archive.toString()));
		return archive;
	}

	/** The lines of every training run's output kept in the cache directory. */
	private List<String> trainingOutput() throws IOException {
		try (Stream<Path> files = Files.walk(this.cacheRoot)) {
			List<Path> logs = files.filter((file) -> file.toString().endsWith(".training.log")).toList();
			List<String> lines = new java.util.ArrayList<>();
			for (Path log : logs) {
				lines.addAll(Files.readAllLines(log));
			}
			return lines;
		}
	}

	/**
	 * The shared and the resident kilobytes of the worker's mappings of {@code archive}
	 * ({@code /proc/PID/smaps}: Shared_Clean plus Shared_Dirty, and Rss). A freshly
	 * written archive's pages may still be dirty in the page cache: shared, but counted
	 * dirty.
	 */
	private static long[] archivePages(long pid, Path archive) throws IOException {
		long[] sharedAndRss = new long[2];
		boolean inArchive = false;
		for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
			if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
				inArchive = line.endsWith(archive.toString());
			}
			else if (inArchive && (line.startsWith("Shared_Clean:") || line.startsWith("Shared_Dirty:"))) {
				sharedAndRss[0] += kilobytes(line);
			}
			else if (inArchive && line.startsWith("Rss:")) {
				sharedAndRss[1] += kilobytes(line);
			}
		}
		return sharedAndRss;
	}

	private static long kilobytes(String smapsLine) {
		return Long.parseLong(smapsLine.replaceAll("[^0-9]", ""));
	}

	/**
	 * Waits until the killed worker's slot runs a new READY process: two workers, neither
	 * of them the victim, both READY (right after the kill the master may not have seen
	 * the exit yet and still counts the victim as READY).
	 */
	private void awaitReplaced(long victim) {
		await().atMost(ClusterProcess.STARTUP).until(() -> {
			List<Long> workers = this.cluster.workerPids();
			return workers.size() == 2 && !workers.contains(victim) && readyWorkers() == 2;
		});
	}

	private int readyWorkers() throws Exception {
		return ((Number) this.cluster.status().get("ready")).intValue();
	}

	/** Fresh connections until every worker answered: its version by PID. */
	private Map<Long, String> versionsByPid() throws Exception {
		Map<Long, String> versions = new HashMap<>();
		int workers = this.cluster.workerPids().size();
		for (int i = 0; i < 80 && versions.size() < workers; i++) {
			ClusterProcess.FreshAnswer answer = this.cluster.getFresh("/");
			assertThat(answer.status()).isEqualTo(200);
			versions.put(ClusterProcess.pidOf(answer.body()), String.valueOf(answer.body().get("version")));
		}
		assertThat(versions).hasSize(workers);
		return versions;
	}

}
