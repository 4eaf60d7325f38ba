package dev.bootcluster.master;

/**
 * Thrown when a write to the {@link MasterStore} cannot fit in its byte budget, even
 * after dropping expired entries and evicting every entry that may expire. The store is
 * left unchanged.
 */
final class StoreFullException extends RuntimeException {

	private final String key;

	private final long bytesNeeded;

	private final long budget;

	private final long unevictableBytes;

	StoreFullException(String key, long bytesNeeded, long budget, long unevictableBytes) {
		super("Cannot store key '" + key + "': it needs " + bytesNeeded + " bytes, the budget is " + budget
				+ " bytes and " + unevictableBytes
				+ " bytes are used by entries without a TTL, which are never evicted");
		this.key = key;
		this.bytesNeeded = bytesNeeded;
		this.budget = budget;
		this.unevictableBytes = unevictableBytes;
	}

	/**
	 * The key of the refused write.
	 * @return the key
	 */
	String key() {
		return this.key;
	}

	/**
	 * What the refused entry would cost: key UTF-8 bytes, value length and
	 * {@link MasterStore#ENTRY_OVERHEAD}.
	 * @return the bytes needed
	 */
	long bytesNeeded() {
		return this.bytesNeeded;
	}

	/**
	 * The store's byte budget.
	 * @return the budget in bytes
	 */
	long budget() {
		return this.budget;
	}

	/**
	 * Bytes used by other entries that cannot be evicted (those without a TTL).
	 * @return the unevictable bytes
	 */
	long unevictableBytes() {
		return this.unevictableBytes;
	}

}
