package dev.bootcluster.master;

import org.jspecify.annotations.Nullable;

/**
 * What the supervisor runs with.
 *
 * @param desired workers to keep running
 * @param port HTTP port the workers share
 * @param timeouts every timeout, validated together
 * @param listener listener mode, for the status
 * @param tcpMigrateReq {@code net.ipv4.tcp_migrate_req}, for the status
 * @param storeMaxBytes the byte budget of the master's store
 * @param recycle when READY workers are recycled ({@code cluster.recycle.*})
 * @param maxSurge processes beyond {@code desired} a rolling restart may run at once
 * ({@code cluster.restart.max-surge})
 */
public record SupervisorSettings(int desired, int port, ClusterTimeouts timeouts, String listener,
		@Nullable Integer tcpMigrateReq, long storeMaxBytes, RecyclePolicy recycle, int maxSurge) {

	/** Settings that never recycle a worker, rolling restarts one at a time. */
	public SupervisorSettings(int desired, int port, ClusterTimeouts timeouts, String listener,
			@Nullable Integer tcpMigrateReq, long storeMaxBytes) {
		this(desired, port, timeouts, listener, tcpMigrateReq, storeMaxBytes, RecyclePolicy.NONE, 1);
	}

	/** Settings with rolling restarts one at a time. */
	public SupervisorSettings(int desired, int port, ClusterTimeouts timeouts, String listener,
			@Nullable Integer tcpMigrateReq, long storeMaxBytes, RecyclePolicy recycle) {
		this(desired, port, timeouts, listener, tcpMigrateReq, storeMaxBytes, recycle, 1);
	}

}
