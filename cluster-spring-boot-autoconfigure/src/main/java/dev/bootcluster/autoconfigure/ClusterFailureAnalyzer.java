package dev.bootcluster.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.bootcluster.context.ClusterConfigurationException;

/**
 * Reports an invalid {@code cluster.*} property with its name and the accepted values.
 */
class ClusterFailureAnalyzer extends AbstractFailureAnalyzer<ClusterConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ClusterConfigurationException cause) {
		String description = "Invalid value '" + cause.getValue() + "' for property '" + cause.getProperty() + "'.";
		String action = "Set '" + cause.getProperty() + "' to " + cause.getAccepted() + ".";
		if (cause.getProperty().equals("cluster.workers")) {
			action += " Remove it (or set cluster.enabled=false) to run the application without a cluster.";
		}
		return new FailureAnalysis(description, action, cause);
	}

}
