package dev.bootcluster.context;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.aot.BeanRegistrationExcludeFilter;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.aot.AbstractAotProcessor;
import org.springframework.core.NativeDetector;
import org.springframework.core.SpringProperties;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.worker.WorkerAgent;

/**
 * Spring AOT for cluster workers.
 * <p>
 * <b>At build time</b>, {@code process-aot} with the {@code cluster-worker} profile
 * computes the context of a worker: the role listener publishes the WORKER role, and a
 * stand-in {@link WorkerAgent} bean definition lets the worker configuration's
 * {@code @ConditionalOnBean(WorkerAgent.class)} match. That definition is kept out of the
 * generated code (this {@link BeanRegistrationExcludeFilter}: at run time the connected
 * agent is registered as it always is), and this
 * {@link BeanFactoryInitializationAotProcessor} writes {@value #MARKER} into the build so
 * that a JVM can tell which context the generated code is.
 * <p>
 * <b>At run time</b>, with {@code spring.aot.enabled=true} (given to the master, which
 * passes its JVM options on): a worker of such a build runs the generated code; the
 * master never does (its context is its own), nor does a worker of a build processed
 * without the profile, whose generated code is the standalone application's; a standalone
 * run of a worker build (the startup cache's training run among them) starts without it
 * too. Each turns it off at its start ({@link #offAtStart}), before the generated code's
 * profiles are applied.
 */
public final class WorkerAot implements BeanFactoryInitializationAotProcessor, BeanRegistrationExcludeFilter {

	/** Written into a build whose generated code is a worker's context. */
	public static final String MARKER = "META-INF/bootcluster/worker-aot.properties";

	/**
	 * The agent's bean name: the stand-in's at build time, the real one's at run time.
	 */
	static final String AGENT_BEAN = "clusterWorkerAgent";

	/** Attribute of the stand-in definition. */
	private static final String STAND_IN = WorkerAot.class.getName() + ".standIn";

	/** Whether this JVM is {@code process-aot} computing a worker's context. */
	static boolean processingForWorkers(ConfigurableEnvironment environment) {
		return Boolean.getBoolean(AbstractAotProcessor.AOT_PROCESSING)
				&& environment.matchesProfiles(ClusterRoleListener.WORKER_PROFILE);
	}

	/** The properties {@code process-aot} computes a worker's context with. */
	static Map<String, Object> processingProperties() {
		return Map.of(ClusterRole.PROPERTY, ClusterRole.WORKER.name(), "cluster.internal.worker-id", 1,
				ClusterRoleListener.WORKER_INDEX_PROPERTY, 1);
	}

	/** Registers the stand-in agent definition (build time only). */
	static void registerStandIn(BeanDefinitionRegistry registry) {
		RootBeanDefinition standIn = new RootBeanDefinition(WorkerAgent.class);
		standIn.setAttribute(STAND_IN, true);
		standIn.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
		registry.registerBeanDefinition(AGENT_BEAN, standIn);
	}

	/** Whether the build on this class path has a worker's generated context. */
	static boolean buildHasWorkerCode(@Nullable ClassLoader classLoader) {
		ClassLoader loader = (classLoader != null) ? classLoader : WorkerAot.class.getClassLoader();
		return loader.getResource(MARKER) != null;
	}

	/** Why Spring AOT was turned off in a JVM. */
	enum Mismatch {

		/** The generated code is a worker's, and this JVM is none. */
		WORKER_CODE,

		/**
		 * The generated code is the standalone application's, and this JVM is a worker.
		 */
		STANDALONE_CODE

	}

	/**
	 * Turns Spring AOT off at the application's start (before Boot's environment
	 * post-processing, which would apply the generated code's profiles) where the
	 * generated code is not this JVM's: a worker's code in anything but a worker, the
	 * standalone application's in a worker. Whether a non-worker is a master or a
	 * standalone application is known only once the environment is prepared (see
	 * {@link ClusterRoleListener#springAot}).
	 * @param worker whether a master started this JVM
	 * @return why it was turned off, or null if it was not
	 */
	static @Nullable Mismatch offAtStart(boolean worker, @Nullable ClassLoader classLoader) {
		if (!enabled()) {
			return null;
		}
		boolean workerCode = buildHasWorkerCode(classLoader);
		Mismatch mismatch = (worker == workerCode) ? null
				: (workerCode ? Mismatch.WORKER_CODE : Mismatch.STANDALONE_CODE);
		if (mismatch != null) {
			disable();
		}
		return mismatch;
	}

	/** Whether Spring AOT is on in this JVM. */
	static boolean enabled() {
		return AotDetector.useGeneratedArtifacts() && !NativeDetector.inNativeImage();
	}

	/** Turns Spring AOT off in this JVM (before its application context is created). */
	static void disable() {
		SpringProperties.setProperty(AotDetector.AOT_ENABLED, "false");
	}

	@Override
	public @Nullable BeanFactoryInitializationAotContribution processAheadOfTime(
			ConfigurableListableBeanFactory beanFactory) {
		if (!beanFactory.containsBeanDefinition(AGENT_BEAN) || !isStandIn(beanFactory.getBeanDefinition(AGENT_BEAN))) {
			return null;
		}
		return (generationContext, code) -> generationContext.getGeneratedFiles()
			.addResourceFile(MARKER, "# the generated code of this build is a cluster worker's context "
					+ "(process-aot with the cluster-worker profile)\nrole=WORKER\n");
	}

	@Override
	public boolean isExcludedFromAotProcessing(RegisteredBean registeredBean) {
		return AGENT_BEAN.equals(registeredBean.getBeanName()) && isStandIn(registeredBean.getMergedBeanDefinition());
	}

	private static boolean isStandIn(BeanDefinition definition) {
		return Boolean.TRUE.equals(definition.getAttribute(STAND_IN));
	}

}
