package dev.bootcluster;

/**
 * The part a JVM plays in a cluster, decided once before the application context exists.
 */
public enum ClusterRole {

	/**
	 * No cluster: the application as without the starter, acting as master and worker at
	 * once.
	 */
	STANDALONE,

	/** The supervising process: starts and restarts workers, serves no HTTP. */
	MASTER,

	/** A JVM started by the master: the full application. */
	WORKER;

	/** Name of the property the role is published under in every role's environment. */
	public static final String PROPERTY = "cluster.internal.role";

	/**
	 * Name of the property that is true in a worker whose HTTP listener is the master's
	 * shared socket.
	 */
	public static final String LISTENER_PROPERTY = "cluster.internal.shared-listener";

}
