package dev.bootcluster.context;

import java.util.function.Consumer;
import java.util.function.IntConsumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import sun.misc.Signal;

/**
 * Signal handling of the master. TERM and INT become a graceful cluster stop that exits
 * 0; HUP starts a rolling restart; TTIN adds a worker and TTOU removes one (as Gunicorn
 * does). USR2 is never touched: HotSpot uses it internally.
 */
final class MasterSignals {

	private static final Log logger = LogFactory.getLog(MasterSignals.class);

	private MasterSignals() {
	}

	static void install(Consumer<String> onStop, Runnable onHangup, IntConsumer onScale) {
		handle("TERM", onStop);
		handle("INT", onStop);
		handle("HUP", (name) -> onHangup.run());
		handle("TTIN", (name) -> onScale.accept(1));
		handle("TTOU", (name) -> onScale.accept(-1));
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
