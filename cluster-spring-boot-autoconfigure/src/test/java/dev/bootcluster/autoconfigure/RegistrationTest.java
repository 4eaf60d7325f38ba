package dev.bootcluster.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;
import org.springframework.mock.env.MockEnvironment;

import dev.bootcluster.context.ClusterRoleListener;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter's classes are registered where Spring Boot looks for them.
 */
class RegistrationTest {

	/**
	 * Boot's own analyzers need classes this module does not have (jakarta.validation).
	 */
	private static final FailureHandler IGNORE_OTHERS = FailureHandler.handleMessage((message, failure) -> {
	});

	private final ClassLoader classLoader = getClass().getClassLoader();

	@Test
	void autoConfigurationsAreRegistered() {
		assertThat(ImportCandidates.load(AutoConfiguration.class, this.classLoader).getCandidates())
			.contains(ClusterAutoConfiguration.class.getName(), ClusterActuatorAutoConfiguration.class.getName());
	}

	@Test
	void managementContextConfigurationIsRegistered() {
		assertThat(ImportCandidates.load(ManagementContextConfiguration.class, this.classLoader).getCandidates())
			.contains(ClusterManagementContextConfiguration.class.getName());
	}

	@Test
	void roleListenerAndFailureAnalyzersAreRegistered() {
		SpringFactoriesLoader loader = SpringFactoriesLoader.forDefaultResourceLocation(this.classLoader);
		assertThat(loader.load(ApplicationListener.class)).hasAtLeastOneElementOfType(ClusterRoleListener.class);
		ArgumentResolver arguments = ArgumentResolver.of(BeanFactory.class, new DefaultListableBeanFactory())
			.and(Environment.class, new MockEnvironment());
		assertThat(loader.load(FailureAnalyzer.class, arguments, IGNORE_OTHERS))
			.hasAtLeastOneElementOfType(ClusterFailureAnalyzer.class)
			.hasAtLeastOneElementOfType(ClusterPortInUseFailureAnalyzer.class);
	}

}
