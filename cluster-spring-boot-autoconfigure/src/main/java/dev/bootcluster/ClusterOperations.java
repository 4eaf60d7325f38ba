package dev.bootcluster;

import org.jspecify.annotations.Nullable;

/**
 * What the web and actuator layers may ask of the cluster, whatever the role of this process.
 */
public interface ClusterOperations {

	/** The master's current view of the cluster. */
	ClusterSnapshot status();

	/**
	 * The last status this process received, without asking the master again (for metrics).
	 * Null before the first one arrived.
	 */
	default @Nullable ClusterSnapshot lastKnownStatus() {
		return status();
	}

	/** Role of this process. */
	ClusterRole role();

	/** Worker id of this process (0 for a master or a standalone process). */
	int workerId();

}
