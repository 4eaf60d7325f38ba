package dev.bootcluster.context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.bootstrap.ConfigurableBootstrapContext;
import org.springframework.boot.bootstrap.DefaultBootstrapContext;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;
import org.springframework.mock.env.MockEnvironment;

import dev.bootcluster.WorkerEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@link WorkerProfileEnvironmentPostProcessor}.
 */
class WorkerProfileEnvironmentPostProcessorTest {

	/** What a master hands its worker 3. */
	private static final Map<String, String> WORKER_VARIABLES = new WorkerEnvironment(3, Path.of("/tmp/cluster.sock"),
			"secret", 4242, 8080, null, 1024 * 1024, 1000, false)
		.toVariables();

	@Test
	void workerGetsTheWorkerProfileAfterTheApplicationsOwn() {
		SpringApplication application = new SpringApplication();
		application.setAdditionalProfiles("custom");
		new WorkerProfileEnvironmentPostProcessor(() -> WORKER_VARIABLES).postProcessEnvironment(new MockEnvironment(),
				application);
		assertThat(application.getAdditionalProfiles()).containsExactly("custom", ClusterRoleListener.WORKER_PROFILE);
	}

	@Test
	void processNoMasterStartedGetsNoProfile() {
		SpringApplication application = new SpringApplication();
		application.setAdditionalProfiles("custom");
		new WorkerProfileEnvironmentPostProcessor(Map::of).postProcessEnvironment(new MockEnvironment(), application);
		assertThat(application.getAdditionalProfiles()).containsExactly("custom");
	}

	@Test
	void thisTestProcessGetsNoProfile() {
		assumeThat(System.getenv(WorkerEnvironment.WORKER_ID)).isNull();
		SpringApplication application = new SpringApplication();
		new WorkerProfileEnvironmentPostProcessor().postProcessEnvironment(new MockEnvironment(), application);
		assertThat(application.getAdditionalProfiles()).isEmpty();
	}

	@Test
	void incompleteWorkerEnvironmentFailsTheStart() {
		SpringApplication application = new SpringApplication();
		WorkerProfileEnvironmentPostProcessor processor = new WorkerProfileEnvironmentPostProcessor(
				() -> Map.of(WorkerEnvironment.WORKER_ID, "1"));
		assertThatIllegalStateException()
			.isThrownBy(() -> processor.postProcessEnvironment(new MockEnvironment(), application))
			.withMessageContaining(WorkerEnvironment.WORKER_ID);
	}

	@Test
	void workerProfileSelectsTheProfileSpecificConfigurationFile(@TempDir Path config) throws IOException {
		Files.writeString(config.resolve("application.properties"), "sample.from=application\n");
		Files.writeString(config.resolve("application-cluster-worker.properties"), "sample.from=cluster-worker\n");
		assertThat(loadConfiguration(config, WORKER_VARIABLES).getProperty("sample.from")).isEqualTo("cluster-worker");
		assertThat(loadConfiguration(config, WORKER_VARIABLES).getActiveProfiles())
			.contains(ClusterRoleListener.WORKER_PROFILE);
		assertThat(loadConfiguration(config, Map.of()).getProperty("sample.from")).isEqualTo("application");
		assertThat(loadConfiguration(config, Map.of()).getActiveProfiles()).isEmpty();
	}

	@Test
	void isRegisteredAndRunsBeforeConfigurationFilesAreLoaded() {
		ArgumentResolver arguments = ArgumentResolver
			.of(DeferredLogFactory.class, (DeferredLogFactory) (supplier) -> null)
			.and(ConfigurableBootstrapContext.class, new DefaultBootstrapContext());
		assertThat(SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
			.load(EnvironmentPostProcessor.class, arguments, FailureHandler.handleMessage((message, failure) -> {
			}))).hasAtLeastOneElementOfType(WorkerProfileEnvironmentPostProcessor.class);
		assertThat(new WorkerProfileEnvironmentPostProcessor().getOrder())
			.isLessThan(ConfigDataEnvironmentPostProcessor.ORDER);
	}

	/**
	 * Runs this post-processor, then Boot's config data loading, as a SpringApplication
	 * does.
	 */
	private static StandardEnvironment loadConfiguration(Path config, Map<String, String> variables) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("test", Map.of("spring.config.location", "file:" + config + "/")));
		SpringApplication application = new SpringApplication();
		new WorkerProfileEnvironmentPostProcessor(() -> variables).postProcessEnvironment(environment, application);
		ConfigDataEnvironmentPostProcessor.applyTo(environment, new DefaultResourceLoader(), null,
				application.getAdditionalProfiles());
		return environment;
	}

}
