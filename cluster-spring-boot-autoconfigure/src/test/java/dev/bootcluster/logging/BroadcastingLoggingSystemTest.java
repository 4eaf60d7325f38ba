package dev.bootcluster.logging;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BroadcastingLoggingSystem} and {@link ClusterLogLevels}: a level set
 * through the endpoint's logging system applies here and is handed on, once; a level that
 * arrives applies without being handed on again.
 */
class BroadcastingLoggingSystemTest {

	private static final String LOGGER = "dev.bootcluster.logging.broadcast-test";

	private final LoggingSystem real = LoggingSystem.get(getClass().getClassLoader());

	private final List<ClusterLogLevel> handedOn = new ArrayList<>();

	private final BroadcastingLoggingSystem broadcasting = new BroadcastingLoggingSystem(this.real, this.handedOn::add);

	@AfterEach
	void reset() {
		this.real.setLogLevel(LOGGER, null);
	}

	@Test
	void aLevelSetThroughTheEndpointAppliesHereAndIsHandedOnOnce() {
		this.broadcasting.setLogLevel(LOGGER, LogLevel.DEBUG);
		assertThat(this.real.getLoggerConfiguration(LOGGER).getConfiguredLevel()).isEqualTo(LogLevel.DEBUG);
		assertThat(this.handedOn).containsExactly(new ClusterLogLevel(LOGGER, LogLevel.DEBUG));
		assertThat(this.handedOn.get(0).topic()).isEqualTo("cluster.logger-level:" + LOGGER);

		this.broadcasting.setLogLevel(null, LogLevel.INFO);
		assertThat(this.handedOn).last().isEqualTo(new ClusterLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO));
		this.real.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
	}

	@Test
	void aLevelThatArrivesIsAppliedAndNotHandedOnAgainAndNullResetsIt() {
		ClusterLogLevels levels = new ClusterLogLevels(this.real);
		levels.apply(new ClusterLogLevel(LOGGER, LogLevel.TRACE));
		assertThat(this.real.getLoggerConfiguration(LOGGER).getConfiguredLevel()).isEqualTo(LogLevel.TRACE);
		levels.apply(new ClusterLogLevel(LOGGER, null));
		assertThat(this.real.getLoggerConfiguration(LOGGER).getConfiguredLevel()).isNull();
		assertThat(this.handedOn).isEmpty();
	}

}
