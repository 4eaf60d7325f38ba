package dev.bootcluster.scheduling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.DirectFieldAccessor;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;

/**
 * Runs Spring Session JDBC's cleanup of expired sessions on the lease holder only.
 * <p>
 * {@link JdbcIndexedSessionRepository} (Spring Session 4.0) does not schedule its cleanup
 * through the application's registrar: in {@code afterPropertiesSet} it starts a
 * {@code ThreadPoolTaskScheduler} of its own that runs {@code cleanUpExpiredSessions()}
 * on its cleanup cron ({@code spring.session.jdbc.cleanup-cron}, every minute by
 * default), so N workers would run the same {@code DELETE} N times a minute. Before the
 * repository is initialized this post-processor reads the cron it was given, switches the
 * repository's own schedule off ({@link Scheduled#CRON_DISABLED}) and runs the same
 * cleanup on the same cron on a scheduler of its own, guarded by the scheduling lease. A
 * cron already disabled is left alone.
 */
public class JdbcSessionCleanupScheduling implements BeanPostProcessor, DisposableBean {

	private static final Log logger = LogFactory.getLog(JdbcSessionCleanupScheduling.class);

	private final ObjectProvider<SchedulingLeaseKeeper> keeper;

	private final Map<JdbcIndexedSessionRepository, String> crons = new ConcurrentHashMap<>();

	private final List<ThreadPoolTaskScheduler> schedulers = new ArrayList<>();

	/**
	 * Create the post-processor.
	 * @param keeper the lease keeper, looked up once a repository needs it
	 */
	public JdbcSessionCleanupScheduling(ObjectProvider<SchedulingLeaseKeeper> keeper) {
		this.keeper = keeper;
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof JdbcIndexedSessionRepository repository) {
			String cron = cleanupCron(repository);
			if (cron != null && !Scheduled.CRON_DISABLED.equals(cron)) {
				repository.setCleanupCron(Scheduled.CRON_DISABLED);
				this.crons.put(repository, cron);
			}
		}
		return bean;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof JdbcIndexedSessionRepository repository) {
			String cron = this.crons.remove(repository);
			if (cron != null) {
				schedule(repository, cron, beanName);
			}
		}
		return bean;
	}

	private void schedule(JdbcIndexedSessionRepository repository, String cron, String beanName) {
		SchedulingLeaseKeeper keeper = this.keeper.getObject();
		keeper.start();
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setThreadNamePrefix("cluster-session-cleanup-");
		scheduler.initialize();
		synchronized (this.schedulers) {
			this.schedulers.add(scheduler);
		}
		scheduler.schedule(new LeaseGuardedRunnable(repository::cleanUpExpiredSessions, keeper.lease()),
				new CronTrigger(cron));
		logger.info("Spring Session JDBC's cleanup of '" + beanName + "' (cron '" + cron
				+ "') runs on the scheduling lease holder only");
	}

	private static @Nullable String cleanupCron(JdbcIndexedSessionRepository repository) {
		try {
			return (String) new DirectFieldAccessor(repository).getPropertyValue("cleanupCron");
		}
		catch (BeansException | ClassCastException ex) {
			logger.warn("Cannot read the cleanup cron of Spring Session JDBC's repository (" + ex.getMessage()
					+ "): its cleanup runs in every worker");
			return null;
		}
	}

	@Override
	public void destroy() {
		synchronized (this.schedulers) {
			this.schedulers.forEach(ThreadPoolTaskScheduler::destroy);
			this.schedulers.clear();
		}
	}

}
