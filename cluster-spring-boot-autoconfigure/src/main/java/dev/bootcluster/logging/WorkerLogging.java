package dev.bootcluster.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.jspecify.annotations.Nullable;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Puts the worker's slot number in the MDC of every logging call of a worker process
 * (Logback), under {@value #MDC_KEY}, whatever thread logs: a pattern shows it with
 * {@code %X{cluster.worker}}, and JSON layouts that write the MDC (Boot's structured
 * logging formats, logstash-logback-encoder) write it as a field. So a line says which
 * worker wrote it also in a log file or a JSON log, not only in the master's relay prefix
 * {@code [worker-N pid]}.
 * <p>
 * A turbo filter runs on the logging thread before each event is made: it sets the key
 * when the thread's MDC lacks it (or lost it to an {@code MDC.clear()}), and decides
 * nothing.
 */
public final class WorkerLogging {

	/** The MDC key: the worker's slot number, 1 to N, as {@code cluster.worker.index}. */
	public static final String MDC_KEY = "cluster.worker";

	private static final String FILTER_NAME = "cluster-worker-mdc";

	private WorkerLogging() {
	}

	/**
	 * Installs the filter in Logback's context (again after a logging reset); does
	 * nothing where Logback is not the SLF4J binding.
	 * @return whether it is installed
	 */
	public static boolean install(int workerId) {
		ILoggerFactory factory = LoggerFactory.getILoggerFactory();
		if (!(factory instanceof LoggerContext context)) {
			return false;
		}
		context.getTurboFilterList().removeIf(WorkerMdcFilter.class::isInstance);
		WorkerMdcFilter filter = new WorkerMdcFilter(Integer.toString(workerId));
		filter.setName(FILTER_NAME);
		filter.setContext(context);
		filter.start();
		context.addTurboFilter(filter);
		return true;
	}

	static final class WorkerMdcFilter extends TurboFilter {

		private final String slot;

		WorkerMdcFilter(String slot) {
			this.slot = slot;
		}

		@Override
		public FilterReply decide(@Nullable Marker marker, @Nullable Logger logger, @Nullable Level level,
				@Nullable String format, Object @Nullable [] params, @Nullable Throwable t) {
			if (!this.slot.equals(MDC.get(MDC_KEY))) {
				MDC.put(MDC_KEY, this.slot);
			}
			return FilterReply.NEUTRAL;
		}

	}

}
