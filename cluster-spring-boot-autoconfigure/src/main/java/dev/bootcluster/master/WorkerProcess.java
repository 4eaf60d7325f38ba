package dev.bootcluster.master;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One running worker JVM: its process, and two threads that relay its stdout and stderr line by
 * line with a {@code [worker-N pid]} prefix.
 */
final class WorkerProcess {

	private final int workerId;

	private final Process process;

	private final Instant startedAt;

	private final String prefix;

	WorkerProcess(int workerId, Process process, Instant startedAt) {
		this.workerId = workerId;
		this.process = process;
		this.startedAt = startedAt;
		this.prefix = "[worker-" + workerId + " " + process.pid() + "] ";
	}

	int workerId() {
		return this.workerId;
	}

	long pid() {
		return this.process.pid();
	}

	Instant startedAt() {
		return this.startedAt;
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	CompletableFuture<Process> onExit() {
		return this.process.onExit();
	}

	int exitValue() {
		return this.process.exitValue();
	}

	/** Asks the worker to shut down gracefully (SIGTERM: Boot's graceful shutdown). */
	void terminate() {
		this.process.destroy();
	}

	/** Ends the worker at once (SIGKILL). */
	void kill() {
		this.process.destroyForcibly();
	}

	void relayOutput(PrintStream out, PrintStream err, LineBuffer buffer) {
		relay(this.process.getInputStream(), out, buffer, "out");
		relay(this.process.getErrorStream(), err, buffer, "err");
	}

	private void relay(InputStream stream, PrintStream target, LineBuffer buffer, String name) {
		Thread thread = new Thread(() -> {
			try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
				String line;
				while ((line = reader.readLine()) != null) {
					buffer.add(line);
					target.println(this.prefix + line);
				}
			}
			catch (IOException ex) {
				// the process is gone; its pipe closed
			}
		}, "cluster-worker-" + this.workerId + "-" + name);
		thread.setDaemon(true);
		thread.start();
	}

}
