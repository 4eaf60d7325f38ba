package dev.bootcluster;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * What the master knows about one worker slot at one moment.
 *
 * @param id worker slot id, from 1
 * @param pid process id of the current (or last) process, or -1 before the first start
 * @param state lifecycle state
 * @param startedAt when the current process started
 * @param uptimeMillis milliseconds since {@code startedAt} while alive, else 0
 * @param readyMillis milliseconds from process start to READY, or null while not yet ready
 * @param restarts how many times the master replaced a crashed process in this slot
 * @param lastExitCode exit status of the previous process in this slot, if any
 * @param lastHeartbeat when the worker last reported, if ever
 * @param heapUsedBytes heap in use at the last heartbeat
 * @param lastLines last lines the slot's process logged, filled in for a FAILED slot
 */
public record WorkerSnapshot(int id, long pid, WorkerState state, @Nullable Instant startedAt, long uptimeMillis,
		@Nullable Long readyMillis, int restarts, @Nullable Integer lastExitCode, @Nullable Instant lastHeartbeat,
		long heapUsedBytes, List<String> lastLines) {

	public WorkerSnapshot {
		Objects.requireNonNull(state, "state");
		lastLines = List.copyOf(lastLines);
	}

}
