package dev.bootcluster.context;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ForkJoinPool;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;

import dev.bootcluster.RestartOperation;
import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcServer;
import dev.bootcluster.ipc.SocketDirectory;
import dev.bootcluster.master.ApplicationJar;
import dev.bootcluster.master.ClusterTimeouts;
import dev.bootcluster.master.JvmLaunch;
import dev.bootcluster.master.LaunchCommand;
import dev.bootcluster.master.MasterMemory;
import dev.bootcluster.master.MessageHub;
import dev.bootcluster.master.RecyclePolicy;
import dev.bootcluster.master.RestartPolicy;
import dev.bootcluster.master.RollingRestart;
import dev.bootcluster.master.SharedSocket;
import dev.bootcluster.master.StartupCache;
import dev.bootcluster.master.Supervisor;
import dev.bootcluster.master.SupervisorSettings;

/**
 * Runs the cluster inside the master's context: opens the IPC socket, starts the
 * supervisor, and turns SIGTERM/SIGINT into a graceful cluster stop (exit 0) and SIGHUP
 * into a rolling restart.
 */
public class MasterRunner implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(MasterRunner.class);

	static final Path TCP_MIGRATE_REQ = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");

	/**
	 * Least time between two memory give-backs after replacements: each runs two full
	 * collections of the master's small heap and a {@code jcmd} (about 0.3 s of CPU).
	 */
	static final Duration SHRINK_INTERVAL = Duration.ofSeconds(30);

	private final MasterLaunch launch;

	private final Settings settings;

	private final ConfigurableApplicationContext context;

	private final MessageHub messages;

	private @Nullable IpcServer server;

	private @Nullable Supervisor supervisor;

	private @Nullable SharedSocket sharedSocket;

	private @Nullable StartupCache cache;

	private volatile boolean running;

	public MasterRunner(MasterLaunch launch, Settings settings, ConfigurableApplicationContext context,
			MessageHub messages) {
		this.launch = launch;
		this.settings = settings;
		this.context = context;
		this.messages = messages;
	}

	@Override
	public void start() {
		try {
			SocketDirectory directory = SocketDirectory.create(Path.of(System.getProperty("java.io.tmpdir")),
					ProcessHandle.current().pid());
			JvmLaunch jvm = JvmLaunch.current(this.launch.mainArguments());
			List<String> command = LaunchCommand.build(jvm, this.settings.jvmArguments(), this.launch.workers() + 1);
			ApplicationJar jar = ApplicationJar.of(command, directory.path());
			StartupCache cache = startupCache(jvm, command, jar);
			this.cache = cache;
			List<String> firstBuild = (jar != null) ? ApplicationJar.withJar(command, jar.lastGood()) : command;
			// quick when an archive of this build is there already; never trains here
			cache.prepare(firstBuild, false).join();
			logger.info("Workers run " + this.launch.server().displayName() + "; worker command: "
					+ String.join(" ", cache.command(firstBuild))
					+ ((jar != null) ? " (from a private copy of " + jar.source() + ")" : ""));
			logWriteAccess(this.context.getEnvironment());
			if (this.launch.ports().management() != null) {
				logger.info("Workers share management port " + this.launch.ports().management());
			}
			Integer migrate = readTcpMigrateReq();
			SharedSocket shared = sharedSocket();
			this.sharedSocket = shared;
			if (shared == null && this.launch.server() != WorkerWebServerKind.NONE) {
				warnAboutQueueLoss(migrate);
			}
			RestartPolicy policy = new RestartPolicy(this.settings.initialBackoff(), this.settings.maxBackoff(),
					this.settings.maxCrashes(), this.settings.crashWindow(), Clock.systemUTC());
			ClusterTimeouts timeouts = this.settings.timeouts();
			SupervisorSettings supervisorSettings = new SupervisorSettings(this.launch.workers(),
					this.launch.ports().server(), timeouts, (shared != null) ? "shared" : "reuseport", migrate,
					this.settings.storeMaxBytes(), this.settings.recycle(), this.settings.maxSurge());
			Supervisor supervisor = new Supervisor(supervisorSettings, (workerId, candidate, token) -> {
				WorkerEnvironment worker = new WorkerEnvironment(workerId, directory.socket(), token,
						ProcessHandle.current().pid(), this.launch.ports().server(), this.launch.ports().management(),
						this.settings.maxMessageSize(), timeouts.heartbeatInterval().toMillis(), shared != null);
				List<String> build = (jar != null)
						? ApplicationJar.withJar(command, candidate ? jar.candidate() : jar.lastGood()) : command;
				ProcessBuilder builder = new ProcessBuilder(cache.startCommand(build));
				builder.environment().clear();
				builder.environment().putAll(LaunchCommand.environment(jvm, worker));
				return (shared != null) ? shared.start(builder) : builder.start();
			}, policy, this.messages);
			Runnable shrink = () -> MasterMemory.shrink(supervisor.storeBytes());
			supervisor.onRolloutOutcome(new BuildDeployment(jar, command, cache, shrink));
			// the training run waits until the workers are READY: it would slow their
			// start; then the master gives back the memory its start used, and again
			// after later replacements (each grows its C heap by a few MB)
			supervisor
				.onFirstReady(() -> cache.prepare(firstBuild, true).whenCompleteAsync((done, ex) -> shrink.run()));
			supervisor.onReadyAgain(SHRINK_INTERVAL, () -> ForkJoinPool.commonPool().execute(shrink));
			this.server = new IpcServer(directory, new FrameCodec(this.settings.maxMessageSize()),
					supervisor.ipcHandler());
			this.server.start();
			this.supervisor = supervisor;
			supervisor.start();
			supervisor.onFatal((reason) -> stopAndExit("Stopping the cluster: " + reason, 1));
			MasterSignals.install(
					(signal) -> stopAndExit("Received SIG" + signal + ": stopping the cluster gracefully", 0),
					() -> supervisor.startRollingRestart(0, "SIGHUP"),
					(delta) -> supervisor.scaleBy(delta, (delta > 0) ? "SIGTTIN" : "SIGTTOU"));
			this.running = true;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the cluster master: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Says how to open {@code POST /actuator/cluster/{action}} when it is closed, since
	 * actuator answers a closed write operation with a bare 404.
	 */
	static void logWriteAccess(Environment environment) {
		String access = environment.getProperty("management.endpoint.cluster.access",
				environment.getProperty("management.endpoints.access.default", "read-only"));
		if (!access.trim().equalsIgnoreCase("unrestricted")) {
			logger
				.info("POST /actuator/cluster/restart (and /scale, /broadcast) is closed: management.endpoint.cluster.access is "
						+ access + ", so actuator answers 404. To open it, set management.endpoint.cluster.access="
						+ "unrestricted and include cluster in management.endpoints.web.exposure.include, and protect it");
		}
	}

	/** The shared listening socket, or null in reuseport mode. */
	private @Nullable SharedSocket sharedSocket() throws IOException {
		String requested = this.settings.listener();
		if (this.launch.server() == WorkerWebServerKind.NONE) {
			logger.info("The workers run no web server: no port to share");
			return null;
		}
		if (requested.equals("reuseport")) {
			logger.info("Listener mode reuseport (cluster.listener=reuseport): each worker binds its own socket");
			return null;
		}
		String unavailable = SharedSocket.unavailableReason();
		if (unavailable != null) {
			if (requested.equals("shared")) {
				throw new ClusterConfigurationException("cluster.listener", requested,
						"reuseport or auto here, because " + unavailable);
			}
			// the one case where restarts may lose connections whatever the user did:
			// impossible to miss
			logger
				.warn("Listener mode reuseport (cluster.listener=auto): the shared socket is unavailable in this JVM: "
						+ unavailable);
			return null;
		}
		SharedSocket shared = SharedSocket.bind(this.settings.address(), this.launch.ports().server(),
				this.settings.acceptCount());
		logger.info("Listener mode shared: the master holds port " + shared.port()
				+ " and every worker accepts from it (" + SharedSocket.mechanism() + ")");
		return shared;
	}

	static @Nullable Integer readTcpMigrateReq() {
		try {
			return Integer.valueOf(Files.readString(TCP_MIGRATE_REQ).trim());
		}
		catch (IOException | NumberFormatException ex) {
			return null;
		}
	}

	private static void warnAboutQueueLoss(@Nullable Integer migrate) {
		if (migrate != null && migrate == 0) {
			logger.warn("net.ipv4.tcp_migrate_req is 0: connections queued on a worker's SO_REUSEPORT listener "
					+ "when it stops (rolling restart, scale down) are reset instead of moving to another worker. "
					+ "Set it with: sysctl -w net.ipv4.tcp_migrate_req=1 (per network namespace; "
					+ "persist it in /etc/sysctl.d)");
		}
	}

	private void stopAndExit(String why, int status) {
		if (status == 0) {
			logger.info(why);
		}
		else {
			logger.error(why);
		}
		Thread stopper = new Thread(() -> {
			try {
				this.context.close();
			}
			finally {
				System.exit(status);
			}
		}, "cluster-shutdown");
		// Non-daemon: the JVM must not finish on its own (exit status 1 of the abandoned
		// main thread) once the context closes, before this thread exits with 0.
		stopper.setDaemon(false);
		stopper.start();
	}

	@Override
	public void stop() {
		Supervisor supervisor = this.supervisor;
		if (supervisor != null) {
			supervisor.stop(this.settings.timeouts().shutdown());
		}
		if (this.server != null) {
			this.server.close();
		}
		if (this.cache != null) {
			this.cache.close();
		}
		if (this.sharedSocket != null) {
			try {
				this.sharedSocket.close();
			}
			catch (IOException ex) {
				logger.debug("Closing the shared socket failed: " + ex.getMessage());
			}
		}
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// stop after everything else in the master (so master beans see workers stop
		// first)
		return SmartLifecycle.DEFAULT_PHASE - 1;
	}

	private StartupCache startupCache(JvmLaunch jvm, List<String> command, @Nullable ApplicationJar jar) {
		StartupCacheSettings settings = this.settings.startupCache();
		String application = (jar != null) ? jar.source().getFileName().toString()
				: command.get(command.size() - 1 - this.launch.mainArguments().size());
		Path directory = settings.directory().resolve(application.replaceAll("[^A-Za-z0-9._-]", "_"));
		return StartupCache.create(settings.enabled(), directory, command, Runtime.version().feature(),
				settings.fixedAddress(), StartupCache.processes(LaunchCommand.environment(jvm)),
				settings.trainingTimeout());
	}

	/**
	 * Prepares the build a rollout deploys (a copy of the jar on disk and its startup
	 * cache) and keeps the last good build across rollouts.
	 */
	private static final class BuildDeployment implements RollingRestart.Listener {

		private final @Nullable ApplicationJar jar;

		private final List<String> command;

		private final StartupCache cache;

		/** Gives back the master's memory once the last good build is prepared. */
		private final Runnable shrink;

		BuildDeployment(@Nullable ApplicationJar jar, List<String> command, StartupCache cache, Runnable shrink) {
			this.jar = jar;
			this.command = command;
			this.cache = cache;
			this.shrink = shrink;
		}

		/**
		 * Copies the jar and prepares its layout; the rollout does not wait for a
		 * training run (on a few cores it takes longer than the boots it saves in one
		 * rollout): a new build is trained once the rollout made it the last good one.
		 */
		@Override
		public CompletionStage<?> started() {
			if (this.jar == null) {
				// a class-path launch runs what is on disk: a changed jar loses its
				// archive
				return this.cache.prepare(this.command, false);
			}
			this.jar.prepareCandidate();
			return this.cache.prepare(ApplicationJar.withJar(this.command, this.jar.candidate()), false);
		}

		@Override
		public void finished(RestartOperation operation) {
			if (this.jar != null) {
				if (operation.state() == RestartOperation.State.SUCCEEDED) {
					this.jar.promoteCandidate();
				}
				else {
					this.jar.discardCandidate();
				}
			}
			List<String> lastGood = (this.jar != null) ? ApplicationJar.withJar(this.command, this.jar.lastGood())
					: this.command;
			this.cache.retainOnly(List.of(lastGood));
			this.cache.prepare(lastGood, true).whenCompleteAsync((done, ex) -> this.shrink.run());
		}

	}

	/**
	 * {@code cluster.worker.startup-cache.*}.
	 *
	 * @param enabled whether workers start from a class archive
	 * @param directory where archives are kept, one directory per application
	 * @param trainingTimeout longest training run
	 * @param fixedAddress whether workers map the archive at its base address
	 */
	public record StartupCacheSettings(boolean enabled, Path directory, Duration trainingTimeout,
			boolean fixedAddress) {

	}

	/**
	 * The settings the master runs with, taken from {@code cluster.*} properties.
	 *
	 * @param jvmArguments {@code cluster.worker.jvm-args}
	 * @param initialBackoff first restart delay
	 * @param maxBackoff longest restart delay
	 * @param maxCrashes crashes within {@code crashWindow} that mark a slot FAILED
	 * @param crashWindow crash-loop window
	 * @param maxMessageSize IPC frame limit
	 * @param timeouts every timeout, validated together
	 * @param listener {@code cluster.listener}: auto, reuseport or shared
	 * @param acceptCount backlog of a shared socket ({@code server.tomcat.accept-count})
	 * @param address address a shared socket binds ({@code server.address})
	 * @param storeMaxBytes byte budget of the master's store
	 * @param recycle when workers are recycled ({@code cluster.recycle.*})
	 * @param startupCache the workers' class archive
	 * ({@code cluster.worker.startup-cache.*})
	 * @param maxSurge {@code cluster.restart.max-surge}
	 */
	public record Settings(List<String> jvmArguments, Duration initialBackoff, Duration maxBackoff, int maxCrashes,
			Duration crashWindow, int maxMessageSize, ClusterTimeouts timeouts, String listener, int acceptCount,
			@Nullable InetAddress address, long storeMaxBytes, RecyclePolicy recycle, StartupCacheSettings startupCache,
			int maxSurge) {

		public Settings {
			jvmArguments = List.copyOf(jvmArguments);
		}

	}

}
