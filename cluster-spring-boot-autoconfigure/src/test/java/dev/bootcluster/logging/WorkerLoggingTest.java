package dev.bootcluster.logging;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link WorkerLogging}: every line logged, from any thread, carries the
 * worker's slot in the MDC.
 */
class WorkerLoggingTest {

	private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

	private final Logger logger = this.context.getLogger("dev.bootcluster.logging.test");

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	@BeforeEach
	void attach() {
		this.appender.setContext(this.context);
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	@AfterEach
	void detach() {
		this.logger.detachAppender(this.appender);
		this.context.getTurboFilterList().removeIf(WorkerLogging.WorkerMdcFilter.class::isInstance);
		MDC.remove(WorkerLogging.MDC_KEY);
	}

	@Test
	void everyThreadsLinesCarryTheSlotEvenAfterAnMdcClear() throws Exception {
		this.logger.info("before");
		assertThat(WorkerLogging.install(2)).isTrue();
		this.logger.info("on the test thread");
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			pool.submit(() -> this.logger.warn("on a pool thread")).get(10, TimeUnit.SECONDS);
			pool.submit(() -> {
				MDC.clear();
				this.logger.error("after a clear");
			}).get(10, TimeUnit.SECONDS);
		}
		finally {
			pool.shutdownNow();
		}
		List<String> slots = new ArrayList<>();
		for (ILoggingEvent event : this.appender.list) {
			slots.add(event.getMessage() + "=" + event.getMDCPropertyMap().get(WorkerLogging.MDC_KEY));
		}
		assertThat(slots).containsExactly("before=null", "on the test thread=2", "on a pool thread=2",
				"after a clear=2");
	}

	@Test
	void installingAgainReplacesTheFilter() {
		WorkerLogging.install(1);
		WorkerLogging.install(4);
		assertThat(this.context.getTurboFilterList()).filteredOn(WorkerLogging.WorkerMdcFilter.class::isInstance)
			.hasSize(1);
		this.logger.info("line");
		assertThat(this.appender.list.get(0).getMDCPropertyMap()).containsEntry(WorkerLogging.MDC_KEY, "4");
	}

}
