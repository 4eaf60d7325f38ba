package dev.bootcluster.logging;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.logging.LogLevel;

/**
 * A logger level set in one worker (through {@code /actuator/loggers}), broadcast to
 * every worker and retained by the master for the workers that start later, one retained
 * value per logger.
 *
 * @param logger the logger's name ({@code ROOT} for the root logger)
 * @param level the level, or null to go back to the configured one
 */
public record ClusterLogLevel(String logger, @Nullable LogLevel level) {

	/** The topic of the retained value: one per logger. */
	public String topic() {
		return "cluster.logger-level:" + this.logger;
	}

}
