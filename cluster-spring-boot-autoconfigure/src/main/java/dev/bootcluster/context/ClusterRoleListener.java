package dev.bootcluster.context;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.event.ApplicationStartingEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.master.StartupCache;
import dev.bootcluster.worker.StandardStreams;
import dev.bootcluster.worker.WorkerAgent;

/**
 * Decides the role of this JVM once, as soon as the environment is prepared and before
 * the application context exists (ordered just after Boot's environment post-processing,
 * so {@code application.yml}, arguments and environment variables are visible, and before
 * logging is initialized).
 * <ul>
 * <li>WORKER, when a master started this JVM: connects to the master, publishes the
 * shared ports and the {@code cluster-worker} profile, then lets the application start as
 * usual.</li>
 * <li>MASTER, when {@code cluster.workers} is set: resolves the ports, runs the lean
 * master context, and abandons the user's run (no web server, no application beans).</li>
 * <li>STANDALONE otherwise, and always under a test framework or a devtools restart.</li>
 * </ul>
 */
public class ClusterRoleListener implements GenericApplicationListener {

	/** Just after {@code EnvironmentPostProcessorApplicationListener}, before logging. */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 11;

	static final String PROPERTY_SOURCE = "cluster";

	static final String MASTER_PROFILE = "cluster-master";

	static final String WORKER_PROFILE = "cluster-worker";

	/**
	 * The stable slot number of a worker (1 to N, kept by a replacement), as PM2's
	 * {@code NODE_APP_INSTANCE}; 1 in a STANDALONE application, which plays the only
	 * worker (as PM2 gives a single instance the first instance's number), so that code
	 * keyed on the first worker runs once either way. Not set in the master, which is no
	 * worker.
	 */
	public static final String WORKER_INDEX_PROPERTY = "cluster.worker.index";

	private @Nullable WorkerAgent agent;

	/** Whether this JVM is {@code process-aot} computing a worker's context. */
	private boolean processingForWorkers;

	/**
	 * Whether Spring AOT was turned off at the start ({@link WorkerAot#offAtStart}): how
	 * the build's generated code and this JVM's role do not match.
	 */
	private WorkerAot.@Nullable Mismatch springAotOff;

	@Override
	public boolean supportsEventType(ResolvableType eventType) {
		Class<?> type = eventType.getRawClass();
		return type != null && (ApplicationStartingEvent.class.isAssignableFrom(type)
				|| ApplicationEnvironmentPreparedEvent.class.isAssignableFrom(type)
				|| ApplicationPreparedEvent.class.isAssignableFrom(type));
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof ApplicationStartingEvent starting) {
			this.springAotOff = WorkerAot.offAtStart(WorkerEnvironment.fromVariables(System.getenv()) != null,
					starting.getSpringApplication().getClassLoader());
		}
		else if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
			environmentPrepared(prepared);
		}
		else if (event instanceof ApplicationPreparedEvent prepared && this.agent != null) {
			prepared.getApplicationContext().getBeanFactory().registerSingleton(WorkerAot.AGENT_BEAN, this.agent);
		}
		else if (event instanceof ApplicationPreparedEvent prepared && this.processingForWorkers
				&& prepared.getApplicationContext() instanceof BeanDefinitionRegistry registry) {
			WorkerAot.registerStandIn(registry);
		}
	}

	private void environmentPrepared(ApplicationEnvironmentPreparedEvent event) {
		ConfigurableEnvironment environment = event.getEnvironment();
		if (environment.containsProperty(ClusterRole.PROPERTY)) {
			return; // the master's own context, started below
		}
		if (WorkerAot.processingForWorkers(environment)) {
			// process-aot with the cluster-worker profile: a worker's context, no master
			publish(environment, WorkerAot.processingProperties());
			this.processingForWorkers = true;
			return;
		}
		WorkerEnvironment worker = WorkerEnvironment.fromVariables(System.getenv());
		if (worker != null) {
			becomeWorker(environment, worker);
			return;
		}
		StartupCache.prepareTrainingRun();
		ClusterRole role = RoleDecision.decide(environment, new Throwable().getStackTrace(),
				Thread.currentThread().getName());
		springAot(role, this.springAotOff);
		if (role == ClusterRole.MASTER) {
			becomeMaster(event.getSpringApplication(), environment, event.getArgs());
		}
		else {
			publish(environment, standaloneProperties());
		}
	}

	/**
	 * Says, once the role is known, why Spring AOT is off in a master or a standalone
	 * run, and turns it off in a master of a build whose generated code is the standalone
	 * application's (which {@link WorkerAot#offAtStart} cannot tell from a standalone
	 * run). A master on generated code would get the application's beans besides its own.
	 * @param off what {@link WorkerAot#offAtStart} found, or null
	 */
	static void springAot(ClusterRole role, WorkerAot.@Nullable Mismatch off) {
		WorkerAot.Mismatch mismatch = off;
		if (mismatch == null && role == ClusterRole.MASTER && WorkerAot.enabled()) {
			WorkerAot.disable();
			mismatch = WorkerAot.Mismatch.STANDALONE_CODE;
		}
		if (mismatch == null || role == ClusterRole.WORKER) {
			return; // a worker says nothing: its master said it
		}
		// before logging is set up, as the operating-system warning below
		String flag = "Spring AOT (" + AotDetector.AOT_ENABLED + "=true)";
		if (role == ClusterRole.MASTER) {
			System.err.println((mismatch == WorkerAot.Mismatch.WORKER_CODE)
					? "cluster: " + flag + ": the workers run the build's generated code (a cluster worker's context: "
							+ WorkerAot.MARKER + "); the master starts without it"
					: "cluster: " + flag + " is not used in a cluster: the build's generated code is the standalone "
							+ "application's context (process-aot without the cluster-worker profile), neither the "
							+ "master's nor a worker's; the master and its workers start without it");
		}
		else if (mismatch == WorkerAot.Mismatch.WORKER_CODE) {
			System.err.println("cluster: " + flag + " is not used: the build's generated code is a cluster worker's "
					+ "context (" + WorkerAot.MARKER + "); this standalone run starts without it");
		}
	}

	/** The properties a STANDALONE application gets. */
	static Map<String, Object> standaloneProperties() {
		return Map.of(ClusterRole.PROPERTY, ClusterRole.STANDALONE.name(), WORKER_INDEX_PROPERTY, 1);
	}

	/** The properties a worker gets from what its master handed it. */
	static Map<String, Object> workerProperties(WorkerEnvironment worker) {
		Map<String, Object> properties = new HashMap<>();
		properties.put(ClusterRole.PROPERTY, ClusterRole.WORKER.name());
		properties.put("cluster.internal.worker-id", worker.workerId());
		properties.put(WORKER_INDEX_PROPERTY, worker.workerId());
		properties.put("server.port", worker.serverPort());
		properties.put(ClusterRole.LISTENER_PROPERTY, worker.sharedListener());
		if (worker.managementPort() != null) {
			properties.put("management.server.port", worker.managementPort());
		}
		return properties;
	}

	private void becomeWorker(ConfigurableEnvironment environment, WorkerEnvironment worker) {
		publish(environment, workerProperties(worker));
		// the cluster-worker profile is active already:
		// WorkerProfileEnvironmentPostProcessor
		ignoreInterrupt();
		if (worker.sharedListener()) {
			// before logging starts, so every appender writes through the reopened
			// streams
			StandardStreams.reopen();
		}
		try {
			this.agent = WorkerAgent.connect(worker);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Worker-" + worker.workerId() + " cannot reach its master at "
					+ worker.socket() + ": " + ex.getMessage(), ex);
		}
	}

	private void becomeMaster(SpringApplication original, ConfigurableEnvironment environment, String[] args) {
		int workers = WorkerCount.parse(environment.getProperty(WorkerCount.PROPERTY));
		String os = System.getProperty("os.name", "");
		if (workers > 1 && !os.toLowerCase(java.util.Locale.ROOT).contains("linux")) {
			// macOS accepts SO_REUSEPORT but does not balance; Windows lacks it: never a
			// silent half-cluster
			System.err.println("cluster: " + os + " does not spread connections over SO_REUSEPORT listeners; "
					+ "running 1 worker instead of " + workers + " (clustering needs Linux)");
			workers = 1;
		}
		WebApplicationType webType = environment.getProperty("spring.main.web-application-type",
				WebApplicationType.class, original.getWebApplicationType());
		WorkerWebServerKind server = WorkerWebServerKind.detect(webType, original.getClassLoader());
		ListenPorts ports = ListenPorts.resolve(ListenPorts.address(environment.getProperty("server.address")),
				environment.getProperty("server.port", Integer.class, 8080),
				environment.getProperty("management.server.port", Integer.class));
		MasterLaunch launch = new MasterLaunch(Arrays.asList(args), workers, ports, server);
		ClusterMasterBeans masterBeans = ClusterMasterBeans.scan(applicationSources(original), environment,
				original.getClassLoader());
		// without @ClusterMaster beans nothing in the master uses the application's
		// auto-configuration (JPA, security, caches...): a lean context of the cluster's
		// own
		SpringApplication master = new SpringApplication(
				masterBeans.none() ? LeanClusterMasterApplication.class : ClusterMasterApplication.class);
		master.setMainApplicationClass(original.getMainApplicationClass());
		master.setWebApplicationType(WebApplicationType.NONE);
		master.setKeepAlive(true);
		List<String> profiles = new ArrayList<>(Arrays.asList(environment.getActiveProfiles()));
		profiles.add(MASTER_PROFILE);
		master.setAdditionalProfiles(profiles.toArray(String[]::new));
		master.addInitializers((ConfigurableApplicationContext context) -> context.getBeanFactory()
			.registerSingleton("clusterMasterLaunch", launch), masterBeans);
		List<String> masterArgs = new ArrayList<>(Arrays.asList(args));
		// command-line arguments beat application.yml, so the master never serves HTTP
		masterArgs.add("--spring.main.web-application-type=none");
		masterArgs.add("--" + ClusterRole.PROPERTY + "=" + ClusterRole.MASTER.name());
		try {
			master.run(masterArgs.toArray(String[]::new));
		}
		catch (RuntimeException ex) {
			// the master's own SpringApplication has reported the failure (failure
			// analyzers)
			System.exit(1);
		}
		// Boot's own "abandon this run" signal: no failure report, no failed event
		Thread.currentThread().setUncaughtExceptionHandler(new AbandonedRunHandler(Thread.currentThread()));
		throw new SpringApplication.AbandonedRunException();
	}

	/** The application's own classes: its main class and its primary sources. */
	private static Set<Class<?>> applicationSources(SpringApplication application) {
		Set<Class<?>> sources = new LinkedHashSet<>();
		if (application.getMainApplicationClass() != null) {
			sources.add(application.getMainApplicationClass());
		}
		for (Object source : application.getAllSources()) {
			if (source instanceof Class<?> type) {
				sources.add(type);
			}
		}
		return sources;
	}

	/**
	 * Ctrl-C in a terminal sends SIGINT to the whole process group, workers included: let
	 * the master alone turn it into a graceful cluster stop, instead of every worker
	 * stopping at once and being taken for crashed.
	 */
	private static void ignoreInterrupt() {
		try {
			sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
		}
		catch (IllegalArgumentException ex) {
			// -Xrs or no SIGINT here: nothing to ignore
		}
	}

	private static void publish(ConfigurableEnvironment environment, Map<String, Object> properties) {
		environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE, properties));
	}

	/**
	 * Swallows the abandoned run on the main thread, as devtools' silent exit handler
	 * does.
	 */
	private static final class AbandonedRunHandler implements Thread.UncaughtExceptionHandler {

		private final Thread.@Nullable UncaughtExceptionHandler delegate;

		AbandonedRunHandler(Thread thread) {
			this.delegate = thread.getUncaughtExceptionHandler();
		}

		@Override
		public void uncaughtException(Thread thread, Throwable ex) {
			// a launcher (Boot's JarLauncher) may have wrapped it in an
			// InvocationTargetException
			for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
				if (cause instanceof SpringApplication.AbandonedRunException) {
					return;
				}
			}
			if (this.delegate != null) {
				this.delegate.uncaughtException(thread, ex);
			}
		}

	}

}
