package dev.bootcluster.context;

import java.util.List;

import org.springframework.core.env.ConfigurableEnvironment;

import dev.bootcluster.ClusterRole;

/**
 * Decides whether an application that no master started becomes a MASTER or stays
 * STANDALONE: only with {@code cluster.workers} set, {@code cluster.enabled} not false,
 * outside test frameworks and outside a devtools restart.
 */
final class RoleDecision {

	/** Property source every {@code @SpringBootTest} and slice test adds. */
	static final String TEST_PROPERTY_SOURCE = "Inlined Test Properties";

	/**
	 * Stack frames that mean "running under a test framework" (the list devtools uses).
	 */
	private static final List<String> TEST_FRAMES = List.of("org.junit.runners.", "org.junit.platform.",
			"org.springframework.boot.test.", "org.springframework.test.", "cucumber.runtime.",
			"org.springframework.boot.SpringApplicationAotProcessor", "org.testng.");

	private RoleDecision() {
	}

	static ClusterRole decide(ConfigurableEnvironment environment, StackTraceElement[] stack, String threadName) {
		if (!environment.containsProperty(WorkerCount.PROPERTY)
				|| !environment.getProperty("cluster.enabled", Boolean.class, true)) {
			return ClusterRole.STANDALONE;
		}
		if (environment.getPropertySources().contains(TEST_PROPERTY_SOURCE) || underTest(stack)
				|| "restartedMain".equals(threadName)) {
			return ClusterRole.STANDALONE;
		}
		return ClusterRole.MASTER;
	}

	static boolean underTest(StackTraceElement[] stack) {
		for (StackTraceElement element : stack) {
			for (String prefix : TEST_FRAMES) {
				if (element.getClassName().startsWith(prefix)) {
					return true;
				}
			}
		}
		return false;
	}

}
