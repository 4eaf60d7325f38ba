package dev.bootcluster.sample.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's {@code TickJob} ({@code @Scheduled(fixedRate = 1000)}, counted in the
 * cluster store and logged as {@code tick <n> by worker-<index> (pid <pid>)}) in a
 * 2-worker cluster: once per tick on the lease holder, on the other worker within the
 * heartbeat timeout after {@code kill -9} of the holder, and in both workers with
 * {@code cluster.scheduling=every-worker}.
 */
class SchedulingIT extends ClusterTestSupport {

	/** The relayed prefix of a worker's line, and the job's own line. */
	private static final Pattern TICK = Pattern
		.compile("^\\[worker-(\\d+) (\\d+)\\] .*tick (\\d+) by worker-(\\d+) \\(pid (\\d+)\\)");

	private static final Pattern HOLDS = Pattern
		.compile("^\\[worker-(\\d+) (\\d+)\\] .*worker-(\\d+) holds the scheduling lease");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);

	/** About six ticks: one worker's runs, not two workers' twelve. */
	private static final Duration WINDOW = Duration.ofSeconds(6);

	@Test
	void jobRunsOncePerTickOnTheLeaseHolderAndMovesWhenTheHolderIsKilled() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--server.address=127.0.0.1",
				"--management.server.port=0", "--cluster.workers=2",
				"--cluster.worker.heartbeat-timeout=" + HEARTBEAT_TIMEOUT.toSeconds() + "s");
		this.cluster.awaitReady(2);
		List<Long> workers = this.cluster.workerPids();
		assertThat(workers).hasSize(2);
		// each worker says where its scheduled methods run
		for (long pid : workers) {
			assertThat(this.cluster.workerLines(pid)).anySatisfy((line) -> assertThat(line)
				.contains("scheduled tasks on the lease holder only: [dev.bootcluster.sample.jobs.TickJob.tick]"));
		}
		// and the master says it once for the cluster
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.cluster.masterLines())
				.anySatisfy((line) -> assertThat(line).contains("Scheduled methods (cluster.scheduling=")
					.contains("on the scheduling lease holder only, one worker at a time: "
							+ "dev.bootcluster.sample.jobs.TickJob.tick; in every worker: none")));
		long holder = await().atMost(Duration.ofSeconds(30)).until(this::holders, (pids) -> pids.size() == 1).get(0);
		long survivor = workers.stream().filter((pid) -> pid != holder).findFirst().orElseThrow();

		// a measured window: about one run per second, all by the holder
		Window window = measure(WINDOW);
		System.out.println("SchedulingIT: " + window.runs() + " runs in " + window.elapsed().toMillis()
				+ " ms with 2 workers, by " + window.pids());
		assertThat(window.runs()).as("runs in %s ms", window.elapsed().toMillis()).isBetween(3L, 8L);
		assertThat(window.pids()).containsExactly(holder);

		long ticksAtKill = ticks();
		long killedAt = System.nanoTime();
		ClusterProcess.signal(holder, "KILL");
		await().atMost(HEARTBEAT_TIMEOUT)
			.pollInterval(Duration.ofMillis(100))
			.until(() -> tickLines().stream().anyMatch((tick) -> tick.pid() == survivor && tick.n() > ticksAtKill));
		Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
		System.out.println("SchedulingIT: first run by the survivor " + takeover.toMillis() + " ms after kill -9");
		assertThat(this.cluster.output()).anySatisfy((line) -> assertThat(line)
			.matches("^\\[worker-\\d+ " + survivor + "\\] .*worker-\\d+ holds the scheduling lease.*"));

		// the replacement joins; the job still runs once per tick, on the survivor
		await().atMost(ClusterProcess.STARTUP).until(() -> this.cluster.countLines(" READY in ") >= 3);
		Window after = measure(WINDOW);
		System.out.println("SchedulingIT: " + after.runs() + " runs in " + after.elapsed().toMillis()
				+ " ms after the replacement joined, by " + after.pids());
		assertThat(after.runs()).isBetween(3L, 8L);
		assertThat(after.pids()).containsExactly(survivor);
		// no tick counted twice: each count is logged once, by the one worker that set it
		List<Tick> all = tickLines();
		assertThat(all.stream().map(Tick::n).distinct().count()).isEqualTo(all.size());
	}

	/**
	 * Also where the app logs JSON to a file (Boot's ECS format): each worker's lines
	 * carry its slot ({@code cluster.worker} in the MDC, nested by ECS).
	 */
	@Test
	void everyWorkerModeRunsTheJobInEveryWorker(@TempDir Path logs) throws Exception {
		Path logFile = logs.resolve("app.log");
		this.cluster = ClusterProcess.start("--server.port=0", "--server.address=127.0.0.1",
				"--management.server.port=0", "--cluster.workers=2", "--cluster.scheduling=every-worker",
				"--logging.file.name=" + logFile, "--logging.structured.format.file=ecs");
		this.cluster.awaitReady(2);
		List<Long> workers = this.cluster.workerPids();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> tickLines().stream().map(Tick::pid).collect(Collectors.toSet()).containsAll(workers));
		for (long pid : workers) {
			assertThat(this.cluster.workerLines(pid)).anySatisfy((line) -> assertThat(line)
				.contains("scheduled tasks in every worker (cluster.scheduling=every-worker): "
						+ "[dev.bootcluster.sample.jobs.TickJob.tick]"));
		}
		assertThat(holders()).isEmpty();
		assertThat(this.cluster.masterLines())
			.anySatisfy((line) -> assertThat(line).contains("Scheduled methods (cluster.scheduling=")
				.contains("in every worker: dev.bootcluster.sample.jobs.TickJob.tick"));

		// in the JSON log file, every tick line carries the slot of the worker that ran
		// it
		Pattern by = Pattern.compile("tick \\d+ by worker-(\\d+) ");
		Map<String, Long> ticksBySlot = Files.readAllLines(logFile)
			.stream()
			.filter((line) -> line.contains("TickJob"))
			.map(JSON::readTree)
			.filter((json) -> by.matcher(json.path("message").asString()).find())
			.peek((json) -> {
				Matcher matcher = by.matcher(json.path("message").asString());
				assertThat(matcher.find()).isTrue();
				assertThat(json.path("cluster").path("worker").asString()).as("cluster.worker of %s", json)
					.isEqualTo(matcher.group(1));
			})
			.collect(Collectors.groupingBy((json) -> json.path("cluster").path("worker").asString(),
					Collectors.counting()));
		assertThat(ticksBySlot).as("tick lines in %s by cluster.worker", logFile).containsOnlyKeys("1", "2");
	}

	/**
	 * Counts the runs over a window of about {@code length}, from the job's log lines.
	 */
	private Window measure(Duration length) throws Exception {
		long start = System.nanoTime();
		long first = ticks();
		// the window is the measurement itself: poll until it has passed
		await().atMost(length.plusSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> System.nanoTime() - start >= length.toNanos());
		long last = ticks();
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		Set<Long> pids = tickLines().stream()
			.filter((tick) -> tick.n() > first && tick.n() <= last)
			.map(Tick::pid)
			.collect(Collectors.toSet());
		return new Window(last - first, elapsed, pids);
	}

	/** The count of runs cluster-wide, as {@code GET /jobs/ticks} says. */
	private long ticks() {
		Map<String, Object> answer = await().atMost(Duration.ofSeconds(10))
			.ignoreExceptions()
			.until(() -> this.cluster.getJson("/jobs/ticks"), (body) -> body.containsKey("ticks"));
		return ((Number) answer.get("ticks")).longValue();
	}

	/** Every tick logged so far; the job's worker index and pid are the relay's. */
	private List<Tick> tickLines() {
		return this.cluster.output().stream().map(TICK::matcher).filter(Matcher::find).map((matcher) -> {
			assertThat(matcher.group(4)).as("cluster.worker.index").isEqualTo(matcher.group(1));
			assertThat(matcher.group(5)).as("pid").isEqualTo(matcher.group(2));
			return new Tick(Long.parseLong(matcher.group(3)), Long.parseLong(matcher.group(2)));
		}).toList();
	}

	/** The pids of the workers that logged taking the lease. */
	private List<Long> holders() {
		return this.cluster.output()
			.stream()
			.map(HOLDS::matcher)
			.filter(Matcher::find)
			.map((matcher) -> Long.parseLong(matcher.group(2)))
			.distinct()
			.toList();
	}

	private record Tick(long n, long pid) {
	}

	private record Window(long runs, Duration elapsed, Set<Long> pids) {
	}

}
