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
 */
public record SupervisorSettings(int desired, int port, ClusterTimeouts timeouts, String listener,
		@Nullable Integer tcpMigrateReq, long storeMaxBytes, RecyclePolicy recycle) {

	/** Settings that never recycle a worker. */
	public SupervisorSettings(int desired, int port, ClusterTimeouts timeouts, String listener,
			@Nullable Integer tcpMigrateReq, long storeMaxBytes) {
		this(desired, port, timeouts, listener, tcpMigrateReq, storeMaxBytes, RecyclePolicy.NONE);
	}

}
