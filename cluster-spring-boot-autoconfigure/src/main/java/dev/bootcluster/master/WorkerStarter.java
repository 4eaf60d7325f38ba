package dev.bootcluster.master;

import java.io.IOException;

/**
 * Starts the JVM of one worker slot.
 */
@FunctionalInterface
public interface WorkerStarter {

	Process start(int workerId) throws IOException;

}
