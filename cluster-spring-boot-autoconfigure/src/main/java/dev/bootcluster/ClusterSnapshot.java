package dev.bootcluster;

import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.OptBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The master's view of the cluster.
 *
 * @param role role of the process that produced the view (MASTER, or STANDALONE)
 * @param masterPid process id of the master
 * @param desired workers the master keeps running
 * @param ready workers currently READY
 * @param restarts crash replacements over all slots since the master started (the sum of
 * the workers' {@code restarts}; processes replaced by rolling restarts are not counted)
 * @param port HTTP port every worker serves
 * @param workers one entry per worker slot
 * @param restart the latest rolling restart, if any
 * @param listener how workers share the port: {@code reuseport} (one SO_REUSEPORT socket
 * each) or {@code shared} (one socket bound by the master), or {@code standalone}
 * @param tcpMigrateReq the value of {@code net.ipv4.tcp_migrate_req}, or null where
 * unknown
 * @param store the figures of the master's store, or null where there is none
 * @param masterRssBytes the master's resident memory, or -1 where unknown
 */
public record ClusterSnapshot(ClusterRole role, long masterPid, int desired, int ready, long restarts, int port,
		List<WorkerSnapshot> workers, @Nullable RestartOperation restart, String listener,
		@Nullable Integer tcpMigrateReq, @Nullable StoreStats store,
		@JacksonInject(value = WorkerSnapshot.ABSENT_MASTER_RSS, useInput = OptBoolean.TRUE) long masterRssBytes) {

	public ClusterSnapshot {
		Objects.requireNonNull(role, "role");
		Objects.requireNonNull(listener, "listener");
		workers = List.copyOf(workers);
	}

	/** A view without the master's memory. */
	public ClusterSnapshot(ClusterRole role, long masterPid, int desired, int ready, long restarts, int port,
			List<WorkerSnapshot> workers, @Nullable RestartOperation restart, String listener,
			@Nullable Integer tcpMigrateReq, @Nullable StoreStats store) {
		this(role, masterPid, desired, ready, restarts, port, workers, restart, listener, tcpMigrateReq, store, -1);
	}

	/** A view without store figures. */
	public ClusterSnapshot(ClusterRole role, long masterPid, int desired, int ready, long restarts, int port,
			List<WorkerSnapshot> workers, @Nullable RestartOperation restart, String listener,
			@Nullable Integer tcpMigrateReq) {
		this(role, masterPid, desired, ready, restarts, port, workers, restart, listener, tcpMigrateReq, null);
	}

}
