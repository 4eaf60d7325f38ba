package dev.bootcluster.context;

import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import sun.misc.Signal;

/**
 * Signal handling of the master. TERM and INT become a graceful cluster stop that exits
 * 0; HUP starts a rolling restart. USR2 is never touched: HotSpot uses it internally.
 */
final class MasterSignals {

	private static final Log logger = LogFactory.getLog(MasterSignals.class);

	private MasterSignals() {
	}

	static void install(Consumer<String> onStop, Runnable onHangup) {
		handle("TERM", onStop);
		handle("INT", onStop);
		handle("HUP", (name) -> onHangup.run());
	}

	private static void handle(String name, Consumer<String> action) {
		try {
			Signal.handle(new Signal(name), (signal) -> action.accept(signal.getName()));
		}
		catch (IllegalArgumentException ex) {
			// -Xrs, or a platform without the signal: the JVM's shutdown hook still stops
			// workers
			logger.warn("Cannot handle SIG" + name + " (" + ex.getMessage() + ")");
		}
	}

}
