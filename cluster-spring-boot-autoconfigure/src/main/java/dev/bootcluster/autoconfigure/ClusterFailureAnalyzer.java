package dev.bootcluster.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.bootcluster.context.ClusterConfigurationException;

/**
 * Reports an invalid {@code cluster.*} property with its name and the accepted values
 * (for a timeout that contradicts another, with the other's value). A duration is shown
 * as it is written in a property ({@code 30s}, {@code 500ms}).
 */
class ClusterFailureAnalyzer extends AbstractFailureAnalyzer<ClusterConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ClusterConfigurationException cause) {
		String description = "Invalid value '" + value(cause.getValue()) + "' for property '" + cause.getProperty()
				+ "'.";
		String action = "Set '" + cause.getProperty() + "' to " + cause.getAccepted() + ".";
		if (cause.getProperty().equals("cluster.workers")) {
			action += " Remove it (or set cluster.enabled=false) to run the application without a cluster.";
		}
		return new FailureAnalysis(description, action, cause);
	}

	private static @Nullable Object value(@Nullable Object value) {
		return (value instanceof Duration duration) ? ClusterTimeoutSettings.format(duration) : value;
	}

}
