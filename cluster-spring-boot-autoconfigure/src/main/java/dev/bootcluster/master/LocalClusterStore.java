package dev.bootcluster.master;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;

import dev.bootcluster.ClusterStore;
import dev.bootcluster.ClusterStoreFullException;

/**
 * The {@link ClusterStore} of a STANDALONE application: the master's store, in-process,
 * with the same budget and expiry rules (swept every second by a daemon thread).
 * {@link #hold held} entries last until this process ends or their TTL runs out.
 */
public final class LocalClusterStore implements ClusterStore, AutoCloseable {

	private final MasterStore store;

	private final long owner = ProcessHandle.current().pid();

	private final Map<String, BiConsumer<String, byte[]>> listeners = new ConcurrentHashMap<>();

	private final ScheduledExecutorService sweeper;

	public LocalClusterStore(long maxBytes) {
		this.store = new MasterStore(Clock.systemUTC(), maxBytes);
		this.store.onExpired(this::expired);
		this.sweeper = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "cluster-store-sweeper");
			thread.setDaemon(true);
			return thread;
		});
		long interval = StoreService.SWEEP_INTERVAL.toMillis();
		this.sweeper.scheduleWithFixedDelay(this::sweep, interval, interval, TimeUnit.MILLISECONDS);
	}

	private synchronized void sweep() {
		this.store.sweep();
	}

	private void expired(String key, byte[] value) {
		for (Map.Entry<String, BiConsumer<String, byte[]>> listener : this.listeners.entrySet()) {
			if (key.startsWith(listener.getKey())) {
				// called with the store's lock held, as the master calls its watchers on
				// its loop
				listener.getValue().accept(key, value);
				return;
			}
		}
	}

	@Override
	public synchronized byte @Nullable [] get(String key) {
		byte[] value = this.store.get(key);
		return (value != null) ? value.clone() : null;
	}

	@Override
	public synchronized void put(String key, byte[] value, @Nullable Duration ttl) {
		try {
			this.store.put(key, value.clone(), ttl);
		}
		catch (StoreFullException ex) {
			throw new ClusterStoreFullException(ex.getMessage());
		}
	}

	@Override
	public synchronized boolean delete(String key) {
		return this.store.delete(key);
	}

	@Override
	public synchronized boolean compareAndSet(String key, byte @Nullable [] expected, byte[] value,
			@Nullable Duration ttl) {
		try {
			return this.store.compareAndSet(key, expected, value.clone(), ttl);
		}
		catch (StoreFullException ex) {
			throw new ClusterStoreFullException(ex.getMessage());
		}
	}

	@Override
	public synchronized boolean touch(String key, Duration ttl) {
		return this.store.touch(key, ttl);
	}

	@Override
	public synchronized boolean hold(String key, byte[] value, Duration ttl) {
		try {
			return this.store.hold(key, value.clone(), ttl, this.owner);
		}
		catch (StoreFullException ex) {
			throw new ClusterStoreFullException(ex.getMessage());
		}
	}

	@Override
	public synchronized boolean release(String key, byte[] value) {
		return this.store.release(key, value);
	}

	@Override
	public synchronized boolean deleteByPrefix(String prefix) {
		return this.store.deleteByPrefix(prefix) > 0;
	}

	@Override
	public void onExpired(String prefix, BiConsumer<String, byte[]> listener) {
		this.listeners.put(prefix, listener);
	}

	@Override
	public void close() {
		this.sweeper.shutdownNow();
	}

}
