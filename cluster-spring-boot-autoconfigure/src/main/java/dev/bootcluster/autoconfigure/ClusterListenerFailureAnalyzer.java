package dev.bootcluster.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.bootcluster.web.ClusterListenerException;

/**
 * Reports a web server the cluster's workers cannot share a port with, in the master
 * (found on the class path) or in a worker (found once the server bound).
 */
class ClusterListenerFailureAnalyzer extends AbstractFailureAnalyzer<ClusterListenerException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ClusterListenerException cause) {
		return new FailureAnalysis(cause.getMessage() + ".", cause.getAction(), cause);
	}

}
