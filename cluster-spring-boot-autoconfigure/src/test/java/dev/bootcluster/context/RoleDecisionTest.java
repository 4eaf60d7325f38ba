package dev.bootcluster.context;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import dev.bootcluster.ClusterRole;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RoleDecision}.
 */
class RoleDecisionTest {

	private static final StackTraceElement[] PLAIN_STACK = { frame("org.springframework.boot.SpringApplication", "run"),
			frame("com.example.DemoApplication", "main"),
			frame("org.springframework.boot.loader.launch.JarLauncher", "main") };

	@Test
	void withoutWorkersPropertyIsStandalone() {
		assertThat(decide(environment(Map.of()), PLAIN_STACK, "main")).isEqualTo(ClusterRole.STANDALONE);
		assertThat(decide(environment(Map.of("cluster.enabled", "true")), PLAIN_STACK, "main"))
			.isEqualTo(ClusterRole.STANDALONE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "2", "auto", "0", "nonsense" })
	void withWorkersPropertyOutsideTestsIsMaster(String workers) {
		// the value is validated later, when the master parses it
		assertThat(decide(environment(Map.of("cluster.workers", workers)), PLAIN_STACK, "main"))
			.isEqualTo(ClusterRole.MASTER);
	}

	@Test
	void workersPropertyWithEnabledTrueIsMaster() {
		assertThat(decide(environment(Map.of("cluster.workers", "2", "cluster.enabled", "true")), PLAIN_STACK, "main"))
			.isEqualTo(ClusterRole.MASTER);
	}

	@Test
	void disabledClusterIsStandalone() {
		assertThat(decide(environment(Map.of("cluster.workers", "2", "cluster.enabled", "false")), PLAIN_STACK, "main"))
			.isEqualTo(ClusterRole.STANDALONE);
	}

	@Test
	void testPropertySourceIsStandalone() {
		StandardEnvironment environment = environment(Map.of("cluster.workers", "2"));
		environment.getPropertySources()
			.addFirst(new MapPropertySource(RoleDecision.TEST_PROPERTY_SOURCE, Map.of("x", "y")));
		assertThat(RoleDecision.TEST_PROPERTY_SOURCE).isEqualTo("Inlined Test Properties");
		assertThat(decide(environment, PLAIN_STACK, "main")).isEqualTo(ClusterRole.STANDALONE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "org.junit.platform.launcher.core.X", "org.junit.runners.ParentRunner",
			"org.springframework.boot.test.context.SpringBootContextLoader",
			"org.springframework.test.context.cache.DefaultCacheAwareContextLoaderDelegate", "cucumber.runtime.Runtime",
			"org.springframework.boot.SpringApplicationAotProcessor", "org.testng.TestRunner" })
	void testFrameworkOnTheStackIsStandalone(String className) {
		StackTraceElement[] stack = { frame("org.springframework.boot.SpringApplication", "run"),
				frame("com.example.DemoApplication", "main"), frame(className, "execute") };
		assertThat(decide(environment(Map.of("cluster.workers", "2")), stack, "main"))
			.isEqualTo(ClusterRole.STANDALONE);
	}

	@Test
	void classesThatOnlyLookLikeTestFrameworksAreNotTests() {
		StackTraceElement[] stack = { frame("com.example.org.junit.platform.Fake", "run"),
				frame("org.junitx.Helper", "run"), frame("com.example.DemoApplication", "main") };
		assertThat(RoleDecision.underTest(stack)).isFalse();
		assertThat(decide(environment(Map.of("cluster.workers", "2")), stack, "main")).isEqualTo(ClusterRole.MASTER);
	}

	@Test
	void devtoolsRestartIsStandalone() {
		assertThat(decide(environment(Map.of("cluster.workers", "2")), PLAIN_STACK, "restartedMain"))
			.isEqualTo(ClusterRole.STANDALONE);
	}

	@Test
	void otherThreadNamesAreMaster() {
		assertThat(decide(environment(Map.of("cluster.workers", "2")), PLAIN_STACK, "launcher"))
			.isEqualTo(ClusterRole.MASTER);
	}

	@Test
	void thisTestRunsUnderATestFramework() {
		assertThat(RoleDecision.underTest(new Throwable().getStackTrace())).isTrue();
		assertThat(RoleDecision.underTest(PLAIN_STACK)).isFalse();
		assertThat(RoleDecision.underTest(new StackTraceElement[0])).isFalse();
	}

	private static ClusterRole decide(StandardEnvironment environment, StackTraceElement[] stack, String thread) {
		return RoleDecision.decide(environment, stack, thread);
	}

	private static StandardEnvironment environment(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		// keep the JVM's own system properties and environment out of the decision
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().addFirst(new MapPropertySource("test", new HashMap<>(properties)));
		return environment;
	}

	private static StackTraceElement frame(String className, String method) {
		return new StackTraceElement(className, method, null, -1);
	}

}
