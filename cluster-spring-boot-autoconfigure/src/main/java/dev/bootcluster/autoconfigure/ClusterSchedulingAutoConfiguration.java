package dev.bootcluster.autoconfigure;

import java.time.Clock;

import net.javacrumbs.shedlock.core.LockProvider;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterStore;
import dev.bootcluster.ipc.Message.Schedules;
import dev.bootcluster.master.ClusterTimeouts;
import dev.bootcluster.scheduling.ClusterStoreLockProvider;
import dev.bootcluster.scheduling.EveryWorkerMethods;
import dev.bootcluster.scheduling.JdbcSessionCleanupScheduling;
import dev.bootcluster.scheduling.LeaseSchedulingConfigurer;
import dev.bootcluster.scheduling.SchedulingLease;
import dev.bootcluster.scheduling.SchedulingLeaseKeeper;
import dev.bootcluster.worker.WorkerAgent;

/**
 * Scheduling in a cluster: in a worker, with {@code cluster.scheduling=one-worker} (the
 * default), scheduled tasks run on the worker that holds the scheduling lease (TTL
 * {@code cluster.worker.heartbeat-timeout}, renewed every
 * {@code cluster.ipc.heartbeat-interval}), except those marked
 * {@link dev.bootcluster.scheduling.EveryWorker}; Spring Session JDBC's cleanup follows
 * the lease too. With {@code every-worker} the worker only logs where its tasks run. A
 * STANDALONE application is left as it is. Where there is a cluster store (worker and
 * standalone), a ShedLock {@link LockProvider} on it, unless the application defines one.
 */
@AutoConfiguration(after = ClusterAutoConfiguration.class)
public final class ClusterSchedulingAutoConfiguration {

	static String workerName(Environment environment) {
		return "worker-" + environment.getProperty("cluster.internal.worker-id", "?");
	}

	/** Tells the master (which logs it) where the worker's scheduled tasks run. */
	private static LeaseSchedulingConfigurer.Report report(ObjectProvider<WorkerAgent> agent, String mode) {
		return (leaseHolderOnly, inEveryWorker) -> agent
			.ifAvailable((available) -> available.reportSchedules(new Schedules(mode, leaseHolderOnly, inEveryWorker)));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClusterRole(ClusterRole.WORKER)
	@ConditionalOnBean({ ClusterStore.class, ClusterTimeouts.class })
	@ConditionalOnProperty(name = "cluster.scheduling", havingValue = ClusterProperties.Scheduling.ONE_WORKER,
			matchIfMissing = true)
	static class OneWorkerConfiguration {

		@Bean
		static EveryWorkerMethods clusterEveryWorkerMethods() {
			return new EveryWorkerMethods();
		}

		@Bean
		SchedulingLeaseKeeper clusterSchedulingLease(ClusterStore store, ClusterTimeouts timeouts,
				Environment environment) {
			SchedulingLease lease = new SchedulingLease(store, workerName(environment), timeouts.heartbeatTimeout(),
					Clock.systemUTC());
			return new SchedulingLeaseKeeper(lease, timeouts.heartbeatInterval());
		}

		@Bean
		LeaseSchedulingConfigurer clusterLeaseSchedulingConfigurer(SchedulingLeaseKeeper keeper,
				EveryWorkerMethods everyWorker, Environment environment, ObjectProvider<WorkerAgent> agent) {
			return new LeaseSchedulingConfigurer(keeper, everyWorker, workerName(environment),
					report(agent, ClusterProperties.Scheduling.ONE_WORKER));
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(JdbcIndexedSessionRepository.class)
		static class JdbcSessionConfiguration {

			@Bean
			static JdbcSessionCleanupScheduling clusterJdbcSessionCleanup(
					ObjectProvider<SchedulingLeaseKeeper> keeper) {
				return new JdbcSessionCleanupScheduling(keeper);
			}

		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClusterRole(ClusterRole.WORKER)
	@ConditionalOnProperty(name = "cluster.scheduling", havingValue = ClusterProperties.Scheduling.EVERY_WORKER)
	static class EveryWorkerConfiguration {

		@Bean
		LeaseSchedulingConfigurer clusterLeaseSchedulingConfigurer(Environment environment,
				ObjectProvider<WorkerAgent> agent) {
			return new LeaseSchedulingConfigurer(null, new EveryWorkerMethods(), workerName(environment),
					report(agent, ClusterProperties.Scheduling.EVERY_WORKER));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(LockProvider.class)
	@ConditionalOnClusterRole({ ClusterRole.WORKER, ClusterRole.STANDALONE })
	@ConditionalOnBean(ClusterStore.class)
	static class ShedLockConfiguration {

		@Bean
		@ConditionalOnMissingBean(LockProvider.class)
		ClusterStoreLockProvider clusterLockProvider(ClusterStore store) {
			return new ClusterStoreLockProvider(store);
		}

	}

}
