package dev.bootcluster.master;

import java.io.IOException;

/**
 * Starts the JVM of one worker slot.
 */
@FunctionalInterface
public interface WorkerStarter {

	/**
	 * @param workerId the slot
	 * @param candidate true to start the build on disk now (a rolling restart), false to
	 * start the last build known to work (first start, crash replacement, rollback)
	 * @param token the single-use secret the process presents to the master in its hello
	 */
	Process start(int workerId, boolean candidate, String token) throws IOException;

}
