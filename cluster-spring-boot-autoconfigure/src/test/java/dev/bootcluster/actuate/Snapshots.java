package dev.bootcluster.actuate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;

/**
 * Builds cluster snapshots for tests.
 */
final class Snapshots {

	private Snapshots() {
	}

	static WorkerSnapshot worker(int id, WorkerState state) {
		return new WorkerSnapshot(id, 1000 + id, state, StartReason.START, Instant.parse("2025-01-01T00:00:00Z"), 5_000,
				(state == WorkerState.READY) ? 1_200L : null, null, 64L << 20, 0, 0, null, List.of());
	}

	/** A master's snapshot with one slot per given state. */
	static ClusterSnapshot cluster(WorkerState... states) {
		List<WorkerSnapshot> workers = new ArrayList<>();
		int ready = 0;
		for (int i = 0; i < states.length; i++) {
			workers.add(worker(i + 1, states[i]));
			ready += (states[i] == WorkerState.READY) ? 1 : 0;
		}
		return new ClusterSnapshot(ClusterRole.MASTER, 999, states.length, ready, 3, 8080, workers, null, "reuseport",
				1);
	}

}
