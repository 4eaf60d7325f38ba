package dev.bootcluster.worker;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;

import dev.bootcluster.ClusterStore;
import dev.bootcluster.ClusterStoreException;
import dev.bootcluster.ClusterStoreFullException;
import dev.bootcluster.ClusterStoreValueTooLargeException;
import dev.bootcluster.ipc.IpcException;
import dev.bootcluster.ipc.Message.StoreFailure;
import dev.bootcluster.ipc.Message.StoreOp;
import dev.bootcluster.ipc.Message.StoreReply;
import dev.bootcluster.ipc.MessageTooLargeException;

/**
 * A worker's {@link ClusterStore}: each operation is one request to the master, answered
 * within the request timeout.
 */
public final class WorkerStore implements ClusterStore {

	private final WorkerAgent agent;

	private final Duration timeout;

	public WorkerStore(WorkerAgent agent, Duration timeout) {
		this.agent = agent;
		this.timeout = timeout;
	}

	@Override
	public byte @Nullable [] get(String key) {
		return run(StoreOp.GET, key, null, null, null).value();
	}

	@Override
	public void put(String key, byte[] value, @Nullable Duration ttl) {
		run(StoreOp.PUT, key, Objects.requireNonNull(value, "value"), null, ttl);
	}

	@Override
	public boolean delete(String key) {
		return run(StoreOp.DELETE, key, null, null, null).success();
	}

	@Override
	public boolean compareAndSet(String key, byte @Nullable [] expected, byte[] value, @Nullable Duration ttl) {
		return run(StoreOp.COMPARE_AND_SET, key, Objects.requireNonNull(value, "value"), expected, ttl).success();
	}

	@Override
	public boolean touch(String key, Duration ttl) {
		return run(StoreOp.TOUCH, key, null, null, Objects.requireNonNull(ttl, "ttl")).success();
	}

	@Override
	public boolean hold(String key, byte[] value, Duration ttl) {
		return run(StoreOp.HOLD, key, Objects.requireNonNull(value, "value"), null, Objects.requireNonNull(ttl, "ttl"))
			.success();
	}

	@Override
	public boolean release(String key, byte[] value) {
		return run(StoreOp.RELEASE, key, null, Objects.requireNonNull(value, "value"), null).success();
	}

	@Override
	public boolean deleteByPrefix(String prefix) {
		return run(StoreOp.DELETE_PREFIX, prefix, null, null, null).success();
	}

	@Override
	public void onExpired(String prefix, BiConsumer<String, byte[]> listener) {
		this.agent.watchStore(prefix, (expired) -> listener.accept(expired.key(), expired.value()));
	}

	private StoreReply run(StoreOp op, String key, byte @Nullable [] value, byte @Nullable [] expected,
			@Nullable Duration ttl) {
		Objects.requireNonNull(key, "key");
		long ttlMillis = 0;
		if (ttl != null) {
			if (ttl.isNegative() || ttl.isZero()) {
				throw new IllegalArgumentException("A store TTL must be positive, was " + ttl);
			}
			// at least 1 ms: 0 means no TTL
			ttlMillis = Math.max(1, saturatedMillis(ttl));
		}
		StoreReply reply;
		try {
			reply = this.agent.store(op, key, value, expected, ttlMillis, this.timeout);
		}
		catch (MessageTooLargeException ex) {
			throw new ClusterStoreValueTooLargeException("Cannot store key '" + key + "': its value of "
					+ ((value != null) ? value.length : (expected != null) ? expected.length : 0)
					+ " bytes does not fit in one IPC message (" + ex.getMessage()
					+ "; the value, its key and about 40 bytes must fit in cluster.ipc.max-message-size, "
					+ "or 3/4 of it under a master of an earlier version, where values travel base64-encoded)");
		}
		catch (IpcException ex) {
			throw new ClusterStoreException("The cluster store is unreachable: " + ex.getMessage(), ex);
		}
		StoreFailure failure = reply.failure();
		if (failure == StoreFailure.FULL) {
			throw new ClusterStoreFullException(Objects.requireNonNullElse(reply.error(), "The cluster store is full"));
		}
		if (failure != null) {
			throw new IllegalArgumentException(Objects.requireNonNullElse(reply.error(), "Invalid store operation"));
		}
		return reply;
	}

	private static long saturatedMillis(Duration ttl) {
		try {
			return ttl.toMillis();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

}
