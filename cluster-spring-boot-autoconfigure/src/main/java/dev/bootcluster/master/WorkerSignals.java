package dev.bootcluster.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Signals the JDK's {@link Process} cannot send. Called on the launcher thread (they run
 * a short command).
 */
interface WorkerSignals {

	/**
	 * Asks a JVM for a thread dump on its standard output (SIGQUIT); a process stopped by
	 * SIGSTOP is continued (SIGCONT) so that it can print it.
	 * @return what was done, for the log
	 */
	String threadDump(long pid);

	/** The real thing: {@code kill -QUIT}, and {@code kill -CONT} when stopped. */
	WorkerSignals SYSTEM = new WorkerSignals() {

		private static final Log logger = LogFactory.getLog(WorkerSignals.class);

		@Override
		public String threadDump(long pid) {
			boolean stopped = isStopped(pid);
			kill("-QUIT", pid);
			if (stopped) {
				kill("-CONT", pid);
				return "sent SIGQUIT; it was stopped (SIGSTOP), so it was continued (SIGCONT) to print its thread dump";
			}
			return "sent SIGQUIT";
		}

		/** State {@code T} in {@code /proc/<pid>/stat}: stopped by a signal. */
		private boolean isStopped(long pid) {
			try {
				String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
				int end = stat.lastIndexOf(')');
				return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'T';
			}
			catch (IOException | RuntimeException ex) {
				return false;
			}
		}

		private void kill(String signal, long pid) {
			try {
				Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.DISCARD)
					.start();
				if (!kill.waitFor(2, TimeUnit.SECONDS)) {
					kill.destroyForcibly();
				}
			}
			catch (IOException ex) {
				logger.warn("Cannot send " + signal + " to pid " + pid + ": " + ex.getMessage());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	};

}
