package dev.bootcluster.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import dev.bootcluster.cache.CacheMode;
import dev.bootcluster.context.ClusterConfigurationException;
import dev.bootcluster.context.WorkerCount;
import dev.bootcluster.master.RecyclePolicy;

/**
 * Configuration of the cluster ({@code cluster.*}).
 */
@ConfigurationProperties("cluster")
public class ClusterProperties implements InitializingBean {

	/**
	 * Whether 'cluster.workers' turns the application into a master with workers. When
	 * false the application runs standalone.
	 */
	private boolean enabled = true;

	/**
	 * Number of worker JVMs: 'auto' for the container-aware CPU count, or a whole number
	 * from 1 to 256. Unset: no cluster, the application runs as without the starter.
	 */
	private @Nullable String workers;

	/**
	 * How workers share the HTTP port: 'reuseport' (one SO_REUSEPORT socket per worker;
	 * set net.ipv4.tcp_migrate_req=1 so a stopping worker's queued connections move to
	 * the others), 'shared' (one socket bound by the master and inherited by every
	 * worker: nothing queued is lost; needs java.base/sun.nio.ch open to the starter), or
	 * 'auto' (shared where possible).
	 */
	private String listener = "auto";

	private final Worker worker = new Worker();

	private final Ipc ipc = new Ipc();

	private final Restart restart = new Restart();

	private final Store store = new Store();

	private final Cache cache = new Cache();

	private final Metrics metrics = new Metrics();

	private final Recycle recycle = new Recycle();

	/**
	 * How long a worker may take to stop after SIGTERM before it gets SIGKILL, and so how
	 * long a graceful cluster stop (SIGTERM or SIGINT to the master) may take. Longer
	 * than spring.lifecycle.timeout-per-shutdown-phase (30s by default), so that SIGKILL
	 * does not cut a worker's graceful shutdown short.
	 */
	private Duration shutdownTimeout = Duration.ofSeconds(35);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getWorkers() {
		return this.workers;
	}

	public void setWorkers(@Nullable String workers) {
		this.workers = workers;
	}

	public String getListener() {
		return this.listener;
	}

	public void setListener(String listener) {
		this.listener = listener;
	}

	public Worker getWorker() {
		return this.worker;
	}

	public Ipc getIpc() {
		return this.ipc;
	}

	public Restart getRestart() {
		return this.restart;
	}

	public Store getStore() {
		return this.store;
	}

	public Cache getCache() {
		return this.cache;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public Recycle getRecycle() {
		return this.recycle;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	/**
	 * Checks every property on its own and the timeouts against each other (see
	 * {@link ClusterTimeoutSettings}).
	 * @throws ClusterConfigurationException for the first invalid one
	 */
	@Override
	public void afterPropertiesSet() {
		if (this.workers != null) {
			WorkerCount.parse(this.workers);
		}
		if (!List.of("auto", "reuseport", "shared").contains(this.listener)) {
			throw new ClusterConfigurationException("cluster.listener", this.listener, "auto, reuseport or shared");
		}
		requirePositive("cluster.worker.backoff.initial", this.worker.backoff.initial);
		requirePositive("cluster.worker.backoff.max", this.worker.backoff.max);
		if (this.worker.backoff.max.compareTo(this.worker.backoff.initial) < 0) {
			throw new ClusterConfigurationException("cluster.worker.backoff.max", this.worker.backoff.max,
					"a duration not shorter than cluster.worker.backoff.initial ("
							+ ClusterTimeoutSettings.format(this.worker.backoff.initial) + ")");
		}
		if (this.worker.crashLoop.maxCrashes < 1) {
			throw new ClusterConfigurationException("cluster.worker.crash-loop.max-crashes",
					this.worker.crashLoop.maxCrashes, "a whole number of at least 1");
		}
		requirePositive("cluster.worker.crash-loop.window", this.worker.crashLoop.window);
		requirePositive("cluster.worker.startup-cache.training-timeout", this.worker.startupCache.trainingTimeout);
		if (this.restart.maxSurge < 1 || this.restart.maxSurge > 256) {
			throw new ClusterConfigurationException("cluster.restart.max-surge", this.restart.maxSurge,
					"a whole number from 1 to 256");
		}
		// every timeout rule lives there; the one with Boot's shutdown phase is checked
		// where there is a cluster (ClusterAutoConfiguration)
		ClusterTimeoutSettings.validate(this);
		long size = this.ipc.maxMessageSize.toBytes();
		if (size < 1024 || size > Integer.MAX_VALUE) {
			throw new ClusterConfigurationException("cluster.ipc.max-message-size", this.ipc.maxMessageSize,
					"a size from 1KB to 2047MB");
		}
		if (this.store.maxSize.toBytes() < 1024) {
			throw new ClusterConfigurationException("cluster.store.max-size", this.store.maxSize,
					"a size of at least 1KB such as 64MB");
		}
		if (!List.of(Scheduling.ONE_WORKER, Scheduling.EVERY_WORKER).contains(this.scheduling)) {
			throw new ClusterConfigurationException("cluster.scheduling", this.scheduling,
					"one-worker or every-worker");
		}
		requirePositive("cluster.metrics.scrape-wait", this.metrics.scrapeWait);
		Duration timeToLive = this.cache.timeToLive;
		if (timeToLive != null) {
			requirePositive("cluster.cache.time-to-live", timeToLive);
		}
		this.recycle.policy();
	}

	private static void requirePositive(String property, Duration value) {
		if (value.isNegative() || value.isZero()) {
			throw new ClusterConfigurationException(property, value, "a positive duration such as 500ms or 10s");
		}
	}

	public static class Worker {

		/**
		 * Extra JVM options for every worker, added after the options inherited from the
		 * master.
		 */
		private List<String> jvmArgs = new ArrayList<>();

		/**
		 * How long a READY worker may go without a heartbeat before the master takes it
		 * as hung: it logs the worker's thread dump, starts a replacement and kills it.
		 * At least 3 times cluster.ipc.heartbeat-interval, so that one missed heartbeat
		 * does not make a worker hung.
		 */
		private Duration heartbeatTimeout = Duration.ofSeconds(30);

		private final Backoff backoff = new Backoff();

		private final CrashLoop crashLoop = new CrashLoop();

		private final StartupCache startupCache = new StartupCache();

		public Duration getHeartbeatTimeout() {
			return this.heartbeatTimeout;
		}

		public void setHeartbeatTimeout(Duration heartbeatTimeout) {
			this.heartbeatTimeout = heartbeatTimeout;
		}

		public List<String> getJvmArgs() {
			return this.jvmArgs;
		}

		public void setJvmArgs(List<String> jvmArgs) {
			this.jvmArgs = jvmArgs;
		}

		public Backoff getBackoff() {
			return this.backoff;
		}

		public CrashLoop getCrashLoop() {
			return this.crashLoop;
		}

		public StartupCache getStartupCache() {
			return this.startupCache;
		}

	}

	public static class StartupCache {

		/**
		 * Whether workers start from a class archive the master prepares for each build:
		 * the JDK's AOT cache on Java 25 and later, an AppCDS archive before. Used for
		 * java -jar launches and class paths of jars only; a class path with a directory
		 * (an IDE, mvn spring-boot:run) or JVM options that choose an archive already
		 * turn it off.
		 */
		private boolean enabled = true;

		/**
		 * Where archives and extracted jars are kept, in one directory per application.
		 * Created owner-only; a directory that is not is refused. Default
		 * ${java.io.tmpdir}/bootcluster-cache-${user.name}.
		 */
		private @Nullable Path directory;

		/**
		 * Longest training run (the application started once, standalone, up to its
		 * context refresh) that writes the archive of a build.
		 */
		private Duration trainingTimeout = Duration.ofMinutes(3);

		/**
		 * Whether workers map the archive at the fixed address it was written for, as JDK
		 * 17-19 do by default, so that its read-only pages (about 40 MB of a 70 MB
		 * archive) are shared by all workers. JDK 20 and later otherwise map it at a
		 * random address and relocate it, which gives every worker its own copy. Needs
		 * -XX:+UnlockDiagnosticVMOptions (the starter adds it); false keeps the JDK's
		 * randomized archive address.
		 */
		private boolean fixedAddress = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable Path getDirectory() {
			return this.directory;
		}

		public void setDirectory(@Nullable Path directory) {
			this.directory = directory;
		}

		public Duration getTrainingTimeout() {
			return this.trainingTimeout;
		}

		public void setTrainingTimeout(Duration trainingTimeout) {
			this.trainingTimeout = trainingTimeout;
		}

		public boolean isFixedAddress() {
			return this.fixedAddress;
		}

		public void setFixedAddress(boolean fixedAddress) {
			this.fixedAddress = fixedAddress;
		}

		/** The directory, or its default. */
		public Path directoryOrDefault() {
			return (this.directory != null) ? this.directory : Path.of(System.getProperty("java.io.tmpdir"),
					"bootcluster-cache-" + System.getProperty("user.name", "user"));
		}

	}

	public static class Backoff {

		/**
		 * Delay before restarting a crashed worker the first time; doubles with each
		 * crash within the crash-loop window.
		 */
		private Duration initial = Duration.ofMillis(100);

		/**
		 * Longest delay before restarting a crashed worker.
		 */
		private Duration max = Duration.ofSeconds(10);

		public Duration getInitial() {
			return this.initial;
		}

		public void setInitial(Duration initial) {
			this.initial = initial;
		}

		public Duration getMax() {
			return this.max;
		}

		public void setMax(Duration max) {
			this.max = max;
		}

	}

	public static class CrashLoop {

		/**
		 * Crashes of one worker slot within the window after which the slot is marked
		 * FAILED instead of restarted.
		 */
		private int maxCrashes = 5;

		/**
		 * Window in which crashes of one worker slot are counted.
		 */
		private Duration window = Duration.ofSeconds(60);

		public int getMaxCrashes() {
			return this.maxCrashes;
		}

		public void setMaxCrashes(int maxCrashes) {
			this.maxCrashes = maxCrashes;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

	}

	public static class Ipc {

		/**
		 * Largest encoded IPC message. Senders are refused before anything is sent; a
		 * larger frame received closes the sender's connection.
		 */
		private DataSize maxMessageSize = DataSize.ofMegabytes(1);

		/**
		 * Interval between worker heartbeats to the master, each answered with the
		 * cluster status the worker's 'cluster' health contributor reports. At least 1ms.
		 */
		private Duration heartbeatInterval = Duration.ofSeconds(1);

		/**
		 * How long a worker waits for the master to answer a request (status, restart,
		 * messenger requests), how long a broadcast waits for acknowledgements, and how
		 * long a starting worker waits for the retained values.
		 */
		private Duration requestTimeout = Duration.ofSeconds(5);

		public DataSize getMaxMessageSize() {
			return this.maxMessageSize;
		}

		public void setMaxMessageSize(DataSize maxMessageSize) {
			this.maxMessageSize = maxMessageSize;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

		public Duration getRequestTimeout() {
			return this.requestTimeout;
		}

		public void setRequestTimeout(Duration requestTimeout) {
			this.requestTimeout = requestTimeout;
		}

	}

	public static class Restart {

		/**
		 * How long a replacement may take to become READY during a rolling restart before
		 * the rollout stops and the old workers keep serving. Longer than
		 * cluster.ipc.request-timeout.
		 */
		private Duration readyTimeout = Duration.ofSeconds(120);

		/**
		 * How long a draining worker may take to finish its requests, its quiet period
		 * and its wait for keep-alive clients. It then exits with Boot's graceful
		 * shutdown (spring.lifecycle.timeout-per-shutdown-phase); the master waits for
		 * both before it sends SIGTERM, then cluster.shutdown-timeout before SIGKILL.
		 * Longer than cluster.restart.drain-quiet-period and
		 * cluster.restart.keep-alive-timeout together.
		 */
		private Duration drainTimeout = Duration.ofSeconds(30);

		/**
		 * How long a draining worker waits with no request in progress before it exits,
		 * so that connections it accepted just before closing its listener are served.
		 * Shares cluster.restart.drain-timeout with cluster.restart.keep-alive-timeout.
		 */
		private Duration drainQuietPeriod = Duration.ofMillis(500);

		/**
		 * How long a draining worker waits, after its quiet period, for clients to close
		 * their keep-alive connections (each is told 'Connection: close' on its next
		 * response) before closing idle ones itself. Less than
		 * cluster.restart.drain-timeout minus cluster.restart.drain-quiet-period.
		 */
		private Duration keepAliveTimeout = Duration.ofSeconds(5);

		/**
		 * Worker processes beyond cluster.workers a rolling restart may run at once. 1:
		 * the next replacement starts once the previous old worker has exited. 2 or more:
		 * it starts as soon as the previous replacement is READY, while up to max-surge
		 * minus 1 old workers still drain (and only while the host's available memory
		 * holds one more worker). One replacement boots at a time either way.
		 */
		private int maxSurge = 1;

		public int getMaxSurge() {
			return this.maxSurge;
		}

		public void setMaxSurge(int maxSurge) {
			this.maxSurge = maxSurge;
		}

		public Duration getKeepAliveTimeout() {
			return this.keepAliveTimeout;
		}

		public void setKeepAliveTimeout(Duration keepAliveTimeout) {
			this.keepAliveTimeout = keepAliveTimeout;
		}

		public Duration getReadyTimeout() {
			return this.readyTimeout;
		}

		public void setReadyTimeout(Duration readyTimeout) {
			this.readyTimeout = readyTimeout;
		}

		public Duration getDrainTimeout() {
			return this.drainTimeout;
		}

		public void setDrainTimeout(Duration drainTimeout) {
			this.drainTimeout = drainTimeout;
		}

		public Duration getDrainQuietPeriod() {
			return this.drainQuietPeriod;
		}

		public void setDrainQuietPeriod(Duration drainQuietPeriod) {
			this.drainQuietPeriod = drainQuietPeriod;
		}

	}

	public static class Store {

		/**
		 * Byte budget of the master's cluster-wide store (sessions, shared cache entries,
		 * locks): keys, values and 64 bytes per entry. When a write would exceed it,
		 * expired entries go first, then the least recently used entries that have a TTL;
		 * entries without a TTL are never evicted, and a write that still does not fit is
		 * refused.
		 */
		private DataSize maxSize = DataSize.ofMegabytes(64);

		public DataSize getMaxSize() {
			return this.maxSize;
		}

		public void setMaxSize(DataSize maxSize) {
			this.maxSize = maxSize;
		}

	}

	// scheduling (kept at the end of the class)

	/**
	 * Where scheduled tasks (@Scheduled methods and the tasks of the scheduling
	 * registrar) run in a cluster: 'one-worker' (on the worker that holds the scheduling
	 * lease, once per tick across the cluster; methods marked @EveryWorker run in every
	 * worker) or 'every-worker' (in every worker, as without the starter). A standalone
	 * application runs everything.
	 */
	private String scheduling = Scheduling.ONE_WORKER;

	public String getScheduling() {
		return this.scheduling;
	}

	public void setScheduling(String scheduling) {
		this.scheduling = scheduling;
	}

	/** The values of {@code cluster.scheduling}. */
	public static final class Scheduling {

		/** Scheduled tasks run on the lease holder only. */
		public static final String ONE_WORKER = "one-worker";

		/** Scheduled tasks run in every worker. */
		public static final String EVERY_WORKER = "every-worker";

		private Scheduling() {
		}

	}

	public static class Cache {

		/**
		 * How workers' caches (Spring's simple cache and Caffeine caches) stay coherent:
		 * 'near' (each worker keeps its own entries; a put, evict or clear on one worker
		 * evicts the key on every other worker before it returns) or 'shared' (entries
		 * live in the master's store, values Java-serialized, one copy for all workers).
		 */
		private CacheMode mode = CacheMode.NEAR;

		/**
		 * How long an entry of a shared cache lives in the master's store. Unset: until
		 * it is evicted or cleared (such entries are never evicted to make room in
		 * cluster.store.max-size; with a time to live, the least recently used are).
		 */
		private @Nullable Duration timeToLive;

		public CacheMode getMode() {
			return this.mode;
		}

		public void setMode(CacheMode mode) {
			this.mode = mode;
		}

		public @Nullable Duration getTimeToLive() {
			return this.timeToLive;
		}

		public void setTimeToLive(@Nullable Duration timeToLive) {
			this.timeToLive = timeToLive;
		}

	}

	public static class Metrics {

		/**
		 * Whether /actuator/prometheus and /actuator/metrics on a worker answer for the
		 * whole cluster (every worker's series, labelled worker="<slot>"). When false,
		 * each worker answers for itself, as without the starter.
		 */
		private boolean aggregate = true;

		/**
		 * How long a scrape waits for the other workers' answers; a worker that did not
		 * answer in time is left out of that scrape and counted in
		 * cluster_scrape_workers_missing.
		 */
		private Duration scrapeWait = Duration.ofSeconds(2);

		public boolean isAggregate() {
			return this.aggregate;
		}

		public void setAggregate(boolean aggregate) {
			this.aggregate = aggregate;
		}

		public Duration getScrapeWait() {
			return this.scrapeWait;
		}

		public void setScrapeWait(Duration scrapeWait) {
			this.scrapeWait = scrapeWait;
		}

	}

	public static class Recycle {

		/**
		 * Requests a worker serves before the master recycles it (replaces it with a
		 * fresh process of the same build, as a rolling restart does), raised by up to
		 * cluster.recycle.jitter for each worker. 0 for no limit.
		 */
		private long maxRequests;

		/**
		 * How long a worker runs before the master recycles it, raised by up to
		 * cluster.recycle.jitter for each worker. No limit when unset.
		 */
		private @Nullable Duration maxAge;

		/**
		 * Heap in use after a garbage collection above which the master recycles a
		 * worker: a fraction of its maximum heap (0.85 or 85%) or a size (512MB). No
		 * limit when unset.
		 */
		private @Nullable String maxHeapAfterGc;

		/**
		 * The largest fraction (0 to 1) by which each worker's max-requests and max-age
		 * are raised, drawn at random once per worker, so that workers started together
		 * do not come due together.
		 */
		private double jitter = 0.1;

		public long getMaxRequests() {
			return this.maxRequests;
		}

		public void setMaxRequests(long maxRequests) {
			this.maxRequests = maxRequests;
		}

		public @Nullable Duration getMaxAge() {
			return this.maxAge;
		}

		public void setMaxAge(@Nullable Duration maxAge) {
			this.maxAge = maxAge;
		}

		public @Nullable String getMaxHeapAfterGc() {
			return this.maxHeapAfterGc;
		}

		public void setMaxHeapAfterGc(@Nullable String maxHeapAfterGc) {
			this.maxHeapAfterGc = maxHeapAfterGc;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

		/**
		 * The policy these properties describe.
		 * @throws ClusterConfigurationException for an invalid one
		 */
		public RecyclePolicy policy() {
			if (this.maxRequests < 0) {
				throw new ClusterConfigurationException("cluster.recycle.max-requests", this.maxRequests,
						"a whole number of requests, 0 for no limit");
			}
			if (this.maxAge != null) {
				requirePositive("cluster.recycle.max-age", this.maxAge);
			}
			if (!(this.jitter >= 0 && this.jitter <= 1)) {
				throw new ClusterConfigurationException("cluster.recycle.jitter", this.jitter,
						"a fraction from 0 to 1 such as 0.1");
			}
			RecyclePolicy.HeapThreshold heap = null;
			if (this.maxHeapAfterGc != null && !this.maxHeapAfterGc.isBlank()) {
				try {
					heap = RecyclePolicy.HeapThreshold.parse(this.maxHeapAfterGc);
				}
				catch (IllegalArgumentException ex) {
					throw new ClusterConfigurationException("cluster.recycle.max-heap-after-gc", this.maxHeapAfterGc,
							"a fraction of the maximum heap (0.85 or 85%) or a size with its unit (512MB)");
				}
			}
			return new RecyclePolicy(this.maxRequests, this.maxAge, heap, this.jitter, RandomGenerator.getDefault());
		}

	}

}
