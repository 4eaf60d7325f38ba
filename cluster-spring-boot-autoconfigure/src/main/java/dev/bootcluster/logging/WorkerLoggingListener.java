package dev.bootcluster.logging;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;

import dev.bootcluster.WorkerEnvironment;

/**
 * In a worker process (one a master started, so its environment names its slot), installs
 * {@link WorkerLogging} just after Boot configured logging (which resets Logback's
 * context), so that every line the worker logs carries its slot in the MDC.
 */
public class WorkerLoggingListener implements GenericApplicationListener {

	/** Just after Boot's {@link LoggingApplicationListener}. */
	public static final int ORDER = LoggingApplicationListener.DEFAULT_ORDER + 1;

	private static final boolean LOGBACK_PRESENT = ClassUtils.isPresent("ch.qos.logback.classic.LoggerContext",
			WorkerLoggingListener.class.getClassLoader());

	@Override
	public boolean supportsEventType(ResolvableType eventType) {
		Class<?> type = eventType.getRawClass();
		return type != null && ApplicationEnvironmentPreparedEvent.class.isAssignableFrom(type);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		String workerId = System.getenv(WorkerEnvironment.WORKER_ID);
		if (LOGBACK_PRESENT && workerId != null) {
			try {
				WorkerLogging.install(Integer.parseInt(workerId.trim()));
			}
			catch (NumberFormatException ex) {
				// ClusterRoleListener reports a malformed worker environment
			}
		}
	}

}
