package dev.bootcluster;

/**
 * A write to the {@link ClusterStore} did not fit in {@code cluster.store.max-size}, even
 * after dropping expired entries and evicting every entry that has a TTL; the store is
 * unchanged. Counted by the {@code cluster.store.refusals} metric.
 */
public class ClusterStoreFullException extends ClusterStoreException {

	public ClusterStoreFullException(String message) {
		super(message);
	}

}
