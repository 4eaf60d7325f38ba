package dev.bootcluster.context;

import java.util.LinkedHashSet;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.scheduling.annotation.ScheduledAnnotationBeanPostProcessor;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.context.fixture.FixtureApplication;
import dev.bootcluster.context.fixture.MasterConfiguration;
import dev.bootcluster.context.fixture.MasterService;
import dev.bootcluster.context.fixture.OrdinaryConfiguration;
import dev.bootcluster.context.fixture.OrdinaryService;
import dev.bootcluster.context.fixture.ScheduledFixtureApplication;
import dev.bootcluster.context.fixture.sub.NestedMasterService;
import dev.bootcluster.context.leanfixture.LeanFixtureApplication;
import dev.bootcluster.context.schedulingfixture.MasterSchedule;
import dev.bootcluster.context.schedulingfixture.ScheduledMasterApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterMasterBeans}, on the classes of
 * {@code dev.bootcluster.context.fixture} as an application's.
 */
class ClusterMasterBeansTest {

	private static final String FIXTURE = "dev.bootcluster.context.fixture";

	private final ApplicationContextRunner master = new ApplicationContextRunner()
		.withPropertyValues(ClusterRole.PROPERTY + "=" + ClusterRole.MASTER);

	@Test
	void registersTheClusterMasterClassesOfTheApplicationsPackagesOnly() {
		this.master.withInitializer(beans(FixtureApplication.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(MasterService.class);
			assertThat(context).hasSingleBean(NestedMasterService.class);
			assertThat(context).hasSingleBean(MasterConfiguration.class);
			assertThat(context).hasSingleBean(MasterConfiguration.MasterClock.class);
			assertThat(context).doesNotHaveBean(OrdinaryService.class);
			assertThat(context).doesNotHaveBean(OrdinaryConfiguration.class);
			assertThat(context).doesNotHaveBean(OrdinaryConfiguration.OrdinaryBean.class);
			assertThat(context).doesNotHaveBean(FixtureApplication.class);
			assertThat(context).doesNotHaveBean(ScheduledFixtureApplication.class);
		});
	}

	@Test
	void registersTheApplicationsPackagesAsAutoConfigurationPackages() {
		this.master.withInitializer(beans(FixtureApplication.class, ScheduledMasterApplication.class))
			.run((context) -> assertThat(AutoConfigurationPackages.get(context.getBeanFactory()))
				.containsExactly(FIXTURE, "dev.bootcluster.context.schedulingfixture"));
	}

	@Test
	void withoutSchedulingOnASourceNothingIsScheduled() {
		this.master.withInitializer(beans(FixtureApplication.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ScheduledAnnotationBeanPostProcessor.class));
	}

	@Test
	void schedulingOnASourceEnablesScheduling() {
		this.master.withInitializer(beans(FixtureApplication.class, ScheduledFixtureApplication.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(ScheduledAnnotationBeanPostProcessor.class);
				assertThat(context).hasSingleBean(MasterService.class);
				assertThat(context).doesNotHaveBean(OrdinaryService.class);
			});
	}

	@Test
	void schedulingOnASourceAndOnAClusterMasterClassTogether() {
		this.master.withInitializer(beans(ScheduledMasterApplication.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(MasterSchedule.class);
			assertThat(context).hasSingleBean(ScheduledAnnotationBeanPostProcessor.class);
		});
	}

	@Test
	void withoutSourcesNothingIsRegistered() {
		this.master.withInitializer(beans()).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(AutoConfigurationPackages.has(context.getBeanFactory())).isFalse();
			assertThat(context).doesNotHaveBean(MasterService.class);
		});
	}

	@Test
	void clusterMasterClassesAreLeftOutOfAWorker() {
		new ApplicationContextRunner().withPropertyValues(ClusterRole.PROPERTY + "=" + ClusterRole.WORKER)
			.withInitializer(beans(FixtureApplication.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(MasterService.class);
				assertThat(context).doesNotHaveBean(MasterConfiguration.MasterClock.class);
			});
	}

	@Test
	void anApplicationWithoutClusterMasterClassesGetsALeanMaster() {
		assertThat(beans(LeanFixtureApplication.class).none()).isTrue();
		assertThat(beans().none()).isTrue();
		assertThat(beans(FixtureApplication.class).none()).isFalse();
		assertThat(beans(LeanFixtureApplication.class, ScheduledMasterApplication.class).none()).isFalse();
		this.master.withInitializer(beans(LeanFixtureApplication.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(LeanFixtureApplication.class);
		});
	}

	private static ClusterMasterBeans beans(Class<?>... sources) {
		return ClusterMasterBeans.scan(new LinkedHashSet<>(List.of(sources)), new StandardEnvironment(),
				ClusterMasterBeansTest.class.getClassLoader());
	}

}
