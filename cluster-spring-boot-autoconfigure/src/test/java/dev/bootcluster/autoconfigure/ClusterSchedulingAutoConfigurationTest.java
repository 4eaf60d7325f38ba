package dev.bootcluster.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import net.javacrumbs.shedlock.core.LockProvider;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

import org.springframework.beans.DirectFieldAccessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.transaction.support.TransactionOperations;

import dev.bootcluster.ClusterStore;
import dev.bootcluster.context.ClusterConfigurationException;
import dev.bootcluster.master.LocalClusterStore;
import dev.bootcluster.scheduling.ClusterStoreLockProvider;
import dev.bootcluster.scheduling.EveryWorker;
import dev.bootcluster.scheduling.JdbcSessionCleanupScheduling;
import dev.bootcluster.scheduling.LeaseSchedulingConfigurer;
import dev.bootcluster.scheduling.SchedulingLease;
import dev.bootcluster.scheduling.SchedulingLeaseKeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ClusterSchedulingAutoConfiguration}: real {@code @Scheduled} methods
 * (every 20 ms) in a context of each role, on a STANDALONE store in-process. Another
 * worker holding the lease is a value this process did not put there.
 */
class ClusterSchedulingAutoConfigurationTest {

	private static final byte[] OTHER_WORKER = "worker-1 pid 1".getBytes(StandardCharsets.UTF_8);

	private final LocalClusterStore store = new LocalClusterStore(1024 * 1024);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ClusterAutoConfiguration.class, ClusterSchedulingAutoConfiguration.class))
		.withUserConfiguration(Jobs.class);

	private ApplicationContextRunner worker() {
		return this.runner
			.withPropertyValues("cluster.internal.role=WORKER", "cluster.internal.worker-id=2",
					"cluster.ipc.heartbeat-interval=50ms", "cluster.worker.heartbeat-timeout=1s")
			.withBean(ClusterStore.class, () -> this.store);
	}

	private void anotherWorkerHoldsTheLease() {
		this.store.put(SchedulingLease.KEY, OTHER_WORKER, Duration.ofMinutes(1));
	}

	@Test
	void workerRunsOrdinaryTasksOnlyWhileItHoldsTheLease() {
		anotherWorkerHoldsTheLease();
		worker().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(SchedulingLeaseKeeper.class);
			Jobs jobs = context.getBean(Jobs.class);
			// methods marked @EveryWorker (or in a class marked so) tick...
			await().atMost(Duration.ofSeconds(10))
				.until(() -> jobs.everyWorker.get() >= 5 && jobs.everyWorkerClass.get() >= 5);
			// ...the others wait for the lease
			assertThat(jobs.leaseOnly).hasValue(0);
			assertThat(jobs.qualified).hasValue(0);
			this.store.delete(SchedulingLease.KEY);
			await().atMost(Duration.ofSeconds(10)).until(() -> jobs.leaseOnly.get() >= 3 && jobs.qualified.get() >= 3);
			assertThat(context.getBean(SchedulingLeaseKeeper.class).lease().isHeld()).isTrue();
			assertThat(new String(this.store.get(SchedulingLease.KEY), StandardCharsets.UTF_8))
				.startsWith("worker-2 pid " + ProcessHandle.current().pid());
		});
	}

	@Test
	void taskKeepsTheSchedulerItsAnnotationNames() {
		worker().run((context) -> {
			Jobs jobs = context.getBean(Jobs.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> jobs.qualified.get() >= 1 && jobs.leaseOnly.get() >= 1);
			assertThat(jobs.defaultThreads).allSatisfy((name) -> assertThat(name).startsWith("default-scheduler-"));
			assertThat(jobs.qualifiedThreads).allSatisfy((name) -> assertThat(name).startsWith("other-scheduler-"));
		});
	}

	@Test
	void drainingWorkerReleasesTheLeaseAndStopsTicking() {
		worker().run((context) -> {
			Jobs jobs = context.getBean(Jobs.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> jobs.leaseOnly.get() >= 1);
			AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
			assertThat(this.store.get(SchedulingLease.KEY)).isNull();
			// another worker takes it over at once
			anotherWorkerHoldsTheLease();
			int before = jobs.leaseOnly.get();
			int everyWorker = jobs.everyWorker.get();
			await().atMost(Duration.ofSeconds(10)).until(() -> jobs.everyWorker.get() >= everyWorker + 5);
			// at most a tick that had started already
			assertThat(jobs.leaseOnly.get()).isLessThanOrEqualTo(before + 1);
		});
	}

	@Test
	void closingWorkerReleasesTheLease() {
		worker().run((context) -> {
			await().atMost(Duration.ofSeconds(10))
				.until(() -> context.getBean(SchedulingLeaseKeeper.class).lease().isHeld());
			assertThat(this.store.get(SchedulingLease.KEY)).isNotNull();
		});
		assertThat(this.store.get(SchedulingLease.KEY)).isNull();
	}

	@Test
	void everyWorkerModeRunsEveryTaskWithoutALease() {
		anotherWorkerHoldsTheLease();
		worker().withPropertyValues("cluster.scheduling=every-worker").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(SchedulingLeaseKeeper.class);
			assertThat(context).hasSingleBean(LeaseSchedulingConfigurer.class);
			Jobs jobs = context.getBean(Jobs.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> jobs.leaseOnly.get() >= 3);
		});
	}

	@Test
	void standaloneRunsEveryTaskAndHasNoLease() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(SchedulingLeaseKeeper.class);
			assertThat(context).doesNotHaveBean(LeaseSchedulingConfigurer.class);
			assertThat(context).doesNotHaveBean(JdbcSessionCleanupScheduling.class);
			Jobs jobs = context.getBean(Jobs.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> jobs.leaseOnly.get() >= 3);
			assertThat(context.getBean(ClusterStore.class).get(SchedulingLease.KEY)).isNull();
		});
	}

	@Test
	void masterHasNoSchedulingBeans() {
		this.runner.withPropertyValues("cluster.internal.role=MASTER").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(SchedulingLeaseKeeper.class);
			assertThat(context).doesNotHaveBean(LeaseSchedulingConfigurer.class);
			assertThat(context).doesNotHaveBean(LockProvider.class);
		});
	}

	@Test
	void workerAndStandaloneGetALockProviderOnTheStore() {
		worker().run((context) -> assertThat(context).hasSingleBean(ClusterStoreLockProvider.class));
		this.runner.run((context) -> assertThat(context).hasSingleBean(ClusterStoreLockProvider.class));
	}

	@Test
	void applicationsLockProviderWins() {
		LockProvider own = (configuration) -> Optional.empty();
		worker().withBean("ownLockProvider", LockProvider.class, () -> own).run((context) -> {
			assertThat(context).hasSingleBean(LockProvider.class);
			assertThat(context).getBean(LockProvider.class).isSameAs(own);
		});
	}

	@Test
	void withoutShedLockThereIsNoLockProviderAndTheLeaseStillWorks() {
		worker().withClassLoader(new FilteredClassLoader(LockProvider.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ClusterStoreLockProvider.class);
			assertThat(context).hasSingleBean(SchedulingLeaseKeeper.class);
		});
	}

	@Test
	void unknownSchedulingModeFailsTheStart() {
		this.runner.withPropertyValues("cluster.scheduling=once").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(ClusterConfigurationException.class)
				.hasMessageContaining("cluster.scheduling")
				.hasMessageContaining("one-worker or every-worker");
		});
	}

	@Test
	void springSessionJdbcCleanupRunsUnderTheLeaseInsteadOfOnItsOwnScheduler() {
		JdbcOperations jdbc = Mockito.mock(JdbcOperations.class);
		worker().withBean(JdbcIndexedSessionRepository.class, () -> {
			JdbcIndexedSessionRepository repository = new JdbcIndexedSessionRepository(jdbc,
					TransactionOperations.withoutTransaction());
			repository.setCleanupCron("* * * * * *");
			return repository;
		}).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(JdbcSessionCleanupScheduling.class);
			JdbcIndexedSessionRepository repository = context.getBean(JdbcIndexedSessionRepository.class);
			DirectFieldAccessor fields = new DirectFieldAccessor(repository);
			// its own scheduler, which every worker would run, never started
			assertThat(fields.getPropertyValue("cleanupCron")).isEqualTo(Scheduled.CRON_DISABLED);
			assertThat(fields.getPropertyValue("taskScheduler")).isNull();
			// the cleanup (a DELETE) runs here, the lease holder, on the same cron
			await().atMost(Duration.ofSeconds(10))
				.until(() -> !Mockito.mockingDetails(jdbc).getInvocations().isEmpty());
		});
	}

	@Test
	void disabledSpringSessionJdbcCleanupStaysDisabled() {
		JdbcOperations jdbc = Mockito.mock(JdbcOperations.class);
		worker().withBean(JdbcIndexedSessionRepository.class, () -> {
			JdbcIndexedSessionRepository repository = new JdbcIndexedSessionRepository(jdbc,
					TransactionOperations.withoutTransaction());
			repository.setCleanupCron(Scheduled.CRON_DISABLED);
			return repository;
		}).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(new DirectFieldAccessor(context.getBean(JdbcIndexedSessionRepository.class))
				.getPropertyValue("taskScheduler")).isNull();
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class Jobs {

		final AtomicInteger leaseOnly = new AtomicInteger();

		final AtomicInteger everyWorker = new AtomicInteger();

		final AtomicInteger everyWorkerClass = new AtomicInteger();

		final AtomicInteger qualified = new AtomicInteger();

		final Set<String> qualifiedThreads = ConcurrentHashMap.newKeySet();

		final Set<String> defaultThreads = ConcurrentHashMap.newKeySet();

		@Bean
		EveryWorkerJobs everyWorkerJobs() {
			return new EveryWorkerJobs(this.everyWorkerClass);
		}

		@Bean
		ThreadPoolTaskScheduler taskScheduler() {
			// the default scheduler, by its name
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setThreadNamePrefix("default-scheduler-");
			return scheduler;
		}

		@Bean
		ThreadPoolTaskScheduler otherScheduler() {
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setThreadNamePrefix("other-scheduler-");
			return scheduler;
		}

		@Scheduled(fixedRate = 20)
		void report() {
			this.defaultThreads.add(Thread.currentThread().getName());
			this.leaseOnly.incrementAndGet();
		}

		@Scheduled(fixedRate = 20)
		@EveryWorker
		void refreshLocalCache() {
			this.everyWorker.incrementAndGet();
		}

		@Scheduled(fixedRate = 20, scheduler = "otherScheduler")
		void onTheOtherScheduler() {
			this.qualifiedThreads.add(Thread.currentThread().getName());
			this.qualified.incrementAndGet();
		}

	}

	@EveryWorker
	static class EveryWorkerJobs {

		private final AtomicInteger runs;

		EveryWorkerJobs(AtomicInteger runs) {
			this.runs = runs;
		}

		@Scheduled(fixedRate = 20)
		void tick() {
			this.runs.incrementAndGet();
		}

	}

}
