package dev.bootcluster.master;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.StoreStats;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.Message.StoreFailure;
import dev.bootcluster.ipc.Message.StoreReply;
import dev.bootcluster.ipc.Message.StoreRequest;

/**
 * The master's store as workers reach it: each {@link StoreRequest} runs on the reader
 * thread of the connection it came on, which answers it itself (the request's thread in
 * the worker waits for that answer, and the supervisor's loop is not on the way). The
 * store is guarded by this object's monitor, held only while an operation runs, never
 * during I/O. Entries a worker holds are released when its connection closes; expired
 * entries under a watched prefix are sent to one watching worker (queued, never written
 * under the monitor). A timer on the supervisor's loop sweeps expired entries every
 * {@link #SWEEP_INTERVAL}.
 */
final class StoreService {

	private static final Log logger = LogFactory.getLog(StoreService.class);

	/** How often expired entries are removed (and their watchers told). */
	static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);

	private final MasterStore store;

	private final SupervisorLoop loop;

	/** The prefixes each connected worker watches, in the order they connected. */
	private final Map<IpcChannel, List<String>> watchers = new LinkedHashMap<>();

	private boolean started;

	StoreService(MasterStore store, SupervisorLoop loop) {
		this.store = store;
		this.loop = loop;
		store.onExpired(this::expired);
	}

	/** On the loop: starts the sweep timer. */
	void start() {
		if (!this.started) {
			this.started = true;
			this.loop.schedule(SWEEP_INTERVAL, this::sweep);
		}
	}

	private void sweep() {
		try {
			synchronized (this) {
				this.store.sweep();
			}
		}
		finally {
			this.loop.schedule(SWEEP_INTERVAL, this::sweep);
		}
	}

	/**
	 * On the reader thread of {@code channel}: runs a worker's request and answers it,
	 * writing the answer itself when nothing else is queued for that worker.
	 */
	void handle(long owner, IpcChannel channel, StoreRequest request) {
		StoreReply reply = answer(owner, request);
		try {
			channel.sendDirect(reply, true);
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Cannot answer a store request: " + ex.getMessage());
		}
	}

	/** Runs a request under the monitor; a refused or invalid one is answered so. */
	synchronized StoreReply answer(long owner, StoreRequest request) {
		try {
			return run(owner, request);
		}
		catch (StoreFullException ex) {
			return new StoreReply(request.requestId(), false, null, StoreFailure.FULL, ex.getMessage());
		}
		catch (IllegalArgumentException | NullPointerException ex) {
			return new StoreReply(request.requestId(), false, null, StoreFailure.INVALID,
					request.op() + " of '" + request.key() + "': " + ex.getMessage());
		}
	}

	private StoreReply run(long owner, StoreRequest request) {
		String key = request.key();
		boolean success;
		byte[] value = null;
		switch (request.op()) {
			case GET -> {
				value = this.store.get(key);
				success = value != null;
			}
			case PUT -> {
				this.store.put(key, required(request.value()), ttl(request.ttlMillis()));
				success = true;
			}
			case DELETE -> success = this.store.delete(key);
			case COMPARE_AND_SET -> success = this.store.compareAndSet(key, request.expected(),
					required(request.value()), ttl(request.ttlMillis()));
			case TOUCH -> success = this.store.touch(key, requiredTtl(request.ttlMillis()));
			case HOLD ->
				success = this.store.hold(key, required(request.value()), requiredTtl(request.ttlMillis()), owner);
			case RELEASE -> success = this.store.release(key, required(request.expected()));
			case DELETE_PREFIX -> success = this.store.deleteByPrefix(key) > 0;
			default -> throw new IllegalArgumentException("unknown operation");
		}
		return new StoreReply(request.requestId(), success, value, null, null);
	}

	private static byte[] required(byte @Nullable [] value) {
		if (value == null) {
			throw new IllegalArgumentException("a value is required");
		}
		return value;
	}

	private static @Nullable Duration ttl(long millis) {
		if (millis < 0) {
			throw new IllegalArgumentException("a TTL must be positive, was " + millis + " ms");
		}
		return (millis == 0) ? null : Duration.ofMillis(millis);
	}

	private static Duration requiredTtl(long millis) {
		if (millis <= 0) {
			throw new IllegalArgumentException("a positive TTL is required, was " + millis + " ms");
		}
		return Duration.ofMillis(millis);
	}

	/** A worker asks to be told of expired entries under a prefix. */
	synchronized void watch(IpcChannel channel, String prefix) {
		if (prefix.isEmpty()) {
			logger.warn("Ignoring a store watch of an empty prefix");
			return;
		}
		this.watchers.computeIfAbsent(channel, (c) -> new ArrayList<>()).add(prefix);
	}

	/**
	 * A worker's connection closed (its process is gone, or going): what it held is
	 * released and it watches nothing more. Called on that connection's reader thread
	 * after its last request, so nothing it asked for afterwards is held again.
	 */
	synchronized void disconnected(long owner, IpcChannel channel) {
		this.watchers.remove(channel);
		if (owner > 0) {
			int released = this.store.releaseOwner(owner);
			if (released > 0) {
				logger.info("Released " + released + " store entries held by pid " + owner);
			}
		}
	}

	/**
	 * Under the monitor (from a sweep or an operation that found the entry expired):
	 * tells the first worker watching a prefix of the key (in connection order), by a
	 * queued send.
	 */
	private void expired(String key, byte[] value) {
		for (Map.Entry<IpcChannel, List<String>> watcher : this.watchers.entrySet()) {
			for (String prefix : watcher.getValue()) {
				if (key.startsWith(prefix)) {
					try {
						watcher.getKey().send(new Message.StoreExpired(key, value));
						return;
					}
					catch (IOException | RuntimeException ex) {
						// closed or overflowing: the next watcher is told
						break;
					}
				}
			}
		}
	}

	/** The store's figures now. */
	synchronized StoreStats stats() {
		return new StoreStats(this.store.entries(), this.store.bytesUsed(), this.store.maxBytes(),
				this.store.evictions(), this.store.refusals(), this.store.expirations());
	}

}
