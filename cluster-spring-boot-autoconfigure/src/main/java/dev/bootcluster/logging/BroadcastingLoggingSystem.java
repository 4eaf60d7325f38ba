package dev.bootcluster.logging;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.logging.LogFile;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggerConfiguration;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.logging.LoggingSystemProperties;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The worker's {@link LoggingSystem} as its {@code loggers} actuator endpoint sees it: a
 * level set through the endpoint is applied here, then handed on (broadcast to every
 * worker, retained for later ones). Everything else is the worker's own logging system.
 * Levels that arrive from other workers are applied to the delegate directly, so they are
 * not handed on again.
 */
public final class BroadcastingLoggingSystem extends LoggingSystem {

	private final LoggingSystem delegate;

	private final Consumer<ClusterLogLevel> handOn;

	public BroadcastingLoggingSystem(LoggingSystem delegate, Consumer<ClusterLogLevel> handOn) {
		this.delegate = delegate;
		this.handOn = handOn;
	}

	@Override
	public void setLogLevel(@Nullable String loggerName, @Nullable LogLevel level) {
		this.delegate.setLogLevel(loggerName, level);
		this.handOn.accept(new ClusterLogLevel((loggerName != null) ? loggerName : ROOT_LOGGER_NAME, level));
	}

	@Override
	public void beforeInitialize() {
		this.delegate.beforeInitialize();
	}

	@Override
	public void initialize(LoggingInitializationContext initializationContext, @Nullable String configLocation,
			@Nullable LogFile logFile) {
		this.delegate.initialize(initializationContext, configLocation, logFile);
	}

	@Override
	public void cleanUp() {
		this.delegate.cleanUp();
	}

	@Override
	public @Nullable Runnable getShutdownHandler() {
		return this.delegate.getShutdownHandler();
	}

	@Override
	public Set<LogLevel> getSupportedLogLevels() {
		return this.delegate.getSupportedLogLevels();
	}

	@Override
	public List<LoggerConfiguration> getLoggerConfigurations() {
		return this.delegate.getLoggerConfigurations();
	}

	@Override
	public @Nullable LoggerConfiguration getLoggerConfiguration(String loggerName) {
		return this.delegate.getLoggerConfiguration(loggerName);
	}

	@Override
	public LoggingSystemProperties getSystemProperties(ConfigurableEnvironment environment) {
		return this.delegate.getSystemProperties(environment);
	}

}
