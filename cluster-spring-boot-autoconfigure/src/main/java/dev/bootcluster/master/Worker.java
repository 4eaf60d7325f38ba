package dev.bootcluster.master;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

import org.jspecify.annotations.Nullable;

import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.IpcServer;

/**
 * One worker process and what the master knows of it, from the moment the master decides
 * to start it. Owned by the supervisor's loop; only {@link #pid} is also read by IPC
 * reader threads.
 */
final class Worker implements IpcServer.Peer {

	final Slot slot;

	/** Why the master started it. */
	final StartReason startedFor;

	/** Started from the build on disk (a rollout), rather than the last good build. */
	final boolean candidate;

	/** The single-use secret this process presents in its hello. */
	final String token;

	/** The process id once the process started, else -1. */
	volatile long pid = -1;

	/** The pid a hello with this worker's token claimed before the start was seen. */
	@Nullable Long claimedPid;

	@Nullable WorkerProcess process;

	WorkerState state = WorkerState.STARTING;

	@Nullable IpcChannel channel;

	/** The replacement step this process is the new worker of, until it is READY. */
	@Nullable Replacement owner;

	/**
	 * Why the master asked it to leave, or null while it has not (an exit then is a
	 * crash).
	 */
	@Nullable ExitCause stopCause;

	@Nullable Instant readyAt;

	@Nullable Long readyMillis;

	@Nullable Instant lastHeartbeat;

	/**
	 * READY but without a heartbeat for a few intervals: still sent messages, but a
	 * broadcast does not wait for its acknowledgement.
	 */
	boolean silent;

	/**
	 * The IPC protocol its {@link dev.bootcluster.ipc.Message.Features} gave (a worker of
	 * an earlier version sends none).
	 */
	int protocol = WorkerEnvironment.PROTOCOL_FIRST;

	/** Whether its thread dump (once HUNG) was waited for. */
	boolean dumped;

	long heapUsedBytes;

	/**
	 * Requests served, from its pulses; -1 until one said (or from an earlier version).
	 */
	long requests = -1;

	/** Its requests per second over the last seconds, or -1. */
	double requestsPerSecond = -1;

	/**
	 * Pulses of the last seconds: when (millis of the loop's clock) and requests served.
	 */
	final Deque<long[]> requestSamples = new ArrayDeque<>();

	long heapAfterGcBytes = -1;

	long heapMaxBytes = -1;

	/** Resident memory at its last heartbeat, or -1. */
	long rssBytes = -1;

	/** Its recycling limits, drawn once it is READY. */
	RecyclePolicy.Limits recycleLimits = RecyclePolicy.Limits.NONE;

	/** Why the master recycles it, once it does. */
	@Nullable String recycleReason;

	/** Why the process could not be started, or null. */
	@Nullable String startFailure;

	Worker(Slot slot, StartReason startedFor, boolean candidate, String token) {
		this.slot = slot;
		this.startedFor = startedFor;
		this.candidate = candidate;
		this.token = token;
	}

	@Override
	public String describe() {
		return "worker-" + this.slot.id + " (pid " + this.pid + ")";
	}

	@Override
	public String toString() {
		return describe();
	}

}
