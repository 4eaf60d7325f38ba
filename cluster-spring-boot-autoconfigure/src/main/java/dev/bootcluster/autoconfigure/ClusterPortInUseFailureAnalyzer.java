package dev.bootcluster.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.bootcluster.context.ClusterPortInUseException;

/**
 * Reports a port the cluster cannot claim, before any worker starts.
 */
class ClusterPortInUseFailureAnalyzer extends AbstractFailureAnalyzer<ClusterPortInUseException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ClusterPortInUseException cause) {
		int port = cause.getPort();
		String description = "The cluster cannot start: port " + port + " (" + cause.getProperty()
				+ ") is already in use by another program, or by a cluster that is still running. "
				+ "No worker was started.";
		String action = "Stop the process that holds port " + port + " (find it with: ss -ltnp 'sport = :" + port
				+ "'), or set '" + cause.getProperty()
				+ "' to a free port, or to 0 for one free port shared by all workers.";
		return new FailureAnalysis(description, action, cause);
	}

}
