package dev.bootcluster.master;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Gives the memory the master's start used back to the operating system, since the master
 * runs with the JVM options the user gave the application (sized for a worker): once the
 * cluster is up, it lowers the heap's free ratios (manageable flags, only those left at
 * their defaults) so that a full collection shrinks the heap to what the master keeps,
 * runs two, and trims the C heap ({@code jcmd <pid> System.trim_native_heap}, JDK
 * 17.0.9+). A collection of a master that keeps a few tens of MB takes milliseconds.
 * <p>
 * It runs once the cluster is first READY, again whenever it is READY again after a
 * replacement (rate-limited by the supervisor) and after a rollout's build is prepared:
 * each worker start grows the master's C heap by a few MB (its threads' allocation
 * arenas, the JIT's), which a trim gives back. When the cluster store holds more than
 * {@link #COLLECT_LIMIT} bytes the full collections are left out, since they would pause
 * every store request for as long as copying the store takes; the trim alone does not
 * pause Java threads.
 */
public final class MasterMemory {

	private static final Log logger = LogFactory.getLog(MasterMemory.class);

	/** Free share of the heap after a collection: at least, at most (percent). */
	static final int MIN_FREE = 10, MAX_FREE = 30;

	/** Store size above which no full collection is run (bytes). */
	static final long COLLECT_LIMIT = 64L << 20;

	private MasterMemory() {
	}

	/**
	 * Shrinks, and logs what it did and the RSS before and after.
	 * @param storeBytes what the cluster store holds now
	 */
	public static synchronized void shrink(long storeBytes) {
		long before = ProcessMemory.rssBytes(ProcessHandle.current().pid());
		List<String> done = new ArrayList<>();
		try {
			HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
			// the order keeps MinHeapFreeRatio <= MaxHeapFreeRatio at each step
			if (setIfDefault(hotspot, "MinHeapFreeRatio", MIN_FREE)
					| setIfDefault(hotspot, "MaxHeapFreeRatio", MAX_FREE)) {
				done.add("heap free ratio " + hotspot.getVMOption("MinHeapFreeRatio").getValue() + "-"
						+ hotspot.getVMOption("MaxHeapFreeRatio").getValue() + "%");
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Cannot set the heap free ratios: " + ex);
		}
		if (collects(storeBytes)) {
			// G1 sizes the heap after each full collection: the second one sees the
			// first's result and shrinks further
			System.gc();
			System.gc();
			done.add("full GCs");
		}
		else {
			done.add("no full GC (the store holds " + (storeBytes >> 20) + " MB)");
		}
		if (trimNativeHeap()) {
			done.add("C heap trimmed");
		}
		long after = ProcessMemory.rssBytes(ProcessHandle.current().pid());
		logger.info("Master memory: " + String.join(", ", done)
				+ ((before > 0 && after > 0) ? "; RSS " + (before >> 20) + " MB -> " + (after >> 20) + " MB" : ""));
	}

	/** Whether a full collection is cheap enough with a store this size. */
	static boolean collects(long storeBytes) {
		return storeBytes <= COLLECT_LIMIT;
	}

	private static boolean setIfDefault(HotSpotDiagnosticMXBean hotspot, String flag, int value) {
		VMOption option = hotspot.getVMOption(flag);
		if (option.getOrigin() != VMOption.Origin.DEFAULT || !option.isWriteable()) {
			return false;
		}
		hotspot.setVMOption(flag, Integer.toString(value));
		return true;
	}

	/**
	 * {@code jcmd <pid> System.trim_native_heap}, where the JDK has both: run as a child
	 * process rather than through the DiagnosticCommand MBean, whose platform MBean
	 * server alone would keep about 8 MB in the master.
	 */
	private static boolean trimNativeHeap() {
		Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
		if (!Files.isExecutable(jcmd)) {
			return false;
		}
		try {
			Process process = new ProcessBuilder(jcmd.toString(), Long.toString(ProcessHandle.current().pid()),
					"System.trim_native_heap")
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
				.start();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				return false;
			}
			return process.exitValue() == 0;
		}
		catch (IOException ex) {
			logger.debug("Cannot trim the C heap: " + ex);
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

}
