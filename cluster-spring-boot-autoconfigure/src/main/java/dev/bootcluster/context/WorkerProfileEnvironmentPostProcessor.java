package dev.bootcluster.context;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.bootcluster.WorkerEnvironment;

/**
 * Activates the {@code cluster-worker} profile in a worker before Boot loads its
 * configuration files, so {@code application-cluster-worker.yml} (and
 * {@code @Profile("cluster-worker")}) work as for any other profile. The master's context
 * gets {@code cluster-master} the same way, as an additional profile of its own
 * {@code SpringApplication}.
 */
public class WorkerProfileEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/** Just before config data is loaded. */
	public static final int ORDER = ConfigDataEnvironmentPostProcessor.ORDER - 1;

	private final Supplier<Map<String, String>> variables;

	public WorkerProfileEnvironmentPostProcessor() {
		this(System::getenv);
	}

	/** With the environment variables of a test. */
	WorkerProfileEnvironmentPostProcessor(Supplier<Map<String, String>> variables) {
		this.variables = variables;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (WorkerEnvironment.fromVariables(this.variables.get()) == null) {
			return;
		}
		Set<String> profiles = new LinkedHashSet<>(application.getAdditionalProfiles());
		profiles.add(ClusterRoleListener.WORKER_PROFILE);
		application.setAdditionalProfiles(profiles.toArray(String[]::new));
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
