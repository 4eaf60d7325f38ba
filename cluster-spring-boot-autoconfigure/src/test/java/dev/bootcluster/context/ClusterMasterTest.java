package dev.bootcluster.context;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.bootcluster.ClusterRole;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ClusterMaster} beans exist wherever the master runs: in the master, and in a
 * STANDALONE process; never in a worker.
 */
class ClusterMasterTest {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(UserConfiguration.class);

	@Test
	void standaloneWithoutRolePropertyHasMasterBeans() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(UserConfiguration.NestedMasterOnly.class);
			assertThat(context).hasSingleBean(UserConfiguration.MasterOnlyConfiguration.class);
			assertThat(context).hasSingleBean(MasterService.class);
			assertThat(context).hasSingleBean(Ordinary.class);
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "STANDALONE", "MASTER" })
	void masterAndStandaloneHaveMasterBeans(String role) {
		this.runner.withPropertyValues(ClusterRole.PROPERTY + "=" + role).run((context) -> {
			assertThat(context).hasSingleBean(UserConfiguration.NestedMasterOnly.class);
			assertThat(context).hasSingleBean(MasterService.class);
			assertThat(context).hasSingleBean(Ordinary.class);
		});
	}

	@Test
	void workerHasNoMasterBeans() {
		this.runner.withPropertyValues(ClusterRole.PROPERTY + "=" + ClusterRole.WORKER).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(UserConfiguration.NestedMasterOnly.class);
			assertThat(context).doesNotHaveBean(UserConfiguration.MasterOnlyConfiguration.class);
			assertThat(context).doesNotHaveBean(MasterService.class);
			assertThat(context).hasSingleBean(Ordinary.class);
		});
	}

	@Test
	void clusterMasterClassRegisteredDirectlyIsLeftOutOfAWorker() {
		new ApplicationContextRunner().withUserConfiguration(MasterOnly.class)
			.withPropertyValues(ClusterRole.PROPERTY + "=" + ClusterRole.WORKER)
			.run((context) -> assertThat(context).doesNotHaveBean(MasterOnly.class));
		new ApplicationContextRunner().withUserConfiguration(MasterOnly.class)
			.run((context) -> assertThat(context).hasSingleBean(MasterOnly.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserConfiguration {

		@Bean
		Ordinary ordinary() {
			return new Ordinary();
		}

		@ClusterMaster
		@Configuration(proxyBeanMethods = false)
		static class MasterOnlyConfiguration {

			@Bean
			MasterService masterService() {
				return new MasterService();
			}

		}

		@ClusterMaster
		static class NestedMasterOnly {

		}

	}

	@ClusterMaster
	static class MasterOnly {

	}

	static class MasterService {

	}

	static class Ordinary {

	}

}
