package dev.bootcluster;

import java.util.List;

/**
 * The master's view of the cluster.
 *
 * @param role role of the process that produced the view (MASTER, or STANDALONE)
 * @param masterPid process id of the master
 * @param desired workers the master keeps running
 * @param ready workers currently READY
 * @param restarts crash replacements over all slots since the master started
 * @param port HTTP port every worker serves
 * @param workers one entry per worker slot
 */
public record ClusterSnapshot(ClusterRole role, long masterPid, int desired, int ready, long restarts, int port,
		List<WorkerSnapshot> workers) {

	public ClusterSnapshot {
		workers = List.copyOf(workers);
	}

}
