package dev.bootcluster.worker;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * The heap a worker had in use after its last garbage collection (the sum of the heap
 * pools' usage the collection reports), which the master compares with
 * {@code cluster.recycle.max-heap-after-gc}: what survives collections is what a leak
 * grows, unlike the heap in use at any moment. Read from the JVM's GC notifications, as
 * Micrometer's {@code JvmHeapPressureMetrics} does.
 */
final class HeapAfterGc implements AutoCloseable {

	private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans()
		.stream()
		.filter((pool) -> pool.getType() == MemoryType.HEAP)
		.map(MemoryPoolMXBean::getName)
		.collect(Collectors.toUnmodifiableSet());

	private final NotificationListener listener = (notification, handback) -> {
		if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
			collected(GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData())
				.getGcInfo()
				.getMemoryUsageAfterGc());
		}
	};

	private volatile long lastBytes = -1;

	/** Listens to every collector that sends notifications. */
	HeapAfterGc() {
		for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
			if (collector instanceof NotificationEmitter emitter) {
				emitter.addNotificationListener(this.listener, null, null);
			}
		}
	}

	void collected(Map<String, MemoryUsage> afterGc) {
		long used = 0;
		for (Map.Entry<String, MemoryUsage> pool : afterGc.entrySet()) {
			if (this.heapPools.contains(pool.getKey())) {
				used += pool.getValue().getUsed();
			}
		}
		this.lastBytes = used;
	}

	/** Heap in use after the last collection, or -1 before the first. */
	long lastBytes() {
		return this.lastBytes;
	}

	/** The largest heap the JVM may use, or -1 when it has no limit. */
	static long maxBytes() {
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
	}

	@Override
	public void close() {
		for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
			if (collector instanceof NotificationEmitter emitter) {
				try {
					emitter.removeNotificationListener(this.listener);
				}
				catch (javax.management.ListenerNotFoundException ex) {
					// not listening there
				}
			}
		}
	}

}
