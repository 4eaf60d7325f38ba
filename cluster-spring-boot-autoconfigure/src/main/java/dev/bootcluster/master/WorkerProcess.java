package dev.bootcluster.master;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * One running worker JVM: its process, and two threads that relay its stdout and stderr
 * line by line with a {@code [worker-N pid]} prefix.
 */
final class WorkerProcess {

	private final int workerId;

	private final Process process;

	private final Instant startedAt;

	private final String prefix;

	private final CompletableFuture<Void> stdoutDrained = new CompletableFuture<>();

	private final CompletableFuture<Void> stderrDrained = new CompletableFuture<>();

	/** Lines kept while a thread dump is expected, or null. */
	private volatile @Nullable List<String> capture;

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

	/**
	 * Completes when the process has exited and its output has been relayed to the end,
	 * so a failure report holds the last lines (the pipes can lag the exit). A grandchild
	 * that keeps the pipes open cannot hold it up for more than a few seconds.
	 */
	CompletableFuture<Process> onExitAndOutputRelayed() {
		return this.process.onExit()
			.thenCompose((exited) -> CompletableFuture.allOf(this.stdoutDrained, this.stderrDrained)
				.completeOnTimeout(null, 3, TimeUnit.SECONDS)
				.thenApply((ignored) -> exited));
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

	/**
	 * Starts keeping what the process prints (a thread dump it was asked for), up to
	 * {@code maxLines} lines.
	 * @return completes when a HotSpot thread dump's last line ({@code JNI global refs})
	 * was relayed
	 */
	CompletableFuture<Void> startCapture(int maxLines) {
		this.captureLimit = maxLines;
		this.captureEnd = new CompletableFuture<>();
		this.capture = Collections.synchronizedList(new ArrayList<>());
		return this.captureEnd;
	}

	private volatile CompletableFuture<Void> captureEnd = new CompletableFuture<>();

	/** Stops keeping lines; returns those kept since {@link #startCapture}. */
	List<String> stopCapture() {
		List<String> kept = this.capture;
		this.capture = null;
		if (kept == null) {
			return List.of();
		}
		synchronized (kept) {
			return List.copyOf(kept);
		}
	}

	private volatile int captureLimit;

	void relayOutput(PrintStream out, PrintStream err, LineBuffer buffer) {
		relay(this.process.getInputStream(), out, buffer, "out", this.stdoutDrained);
		relay(this.process.getErrorStream(), err, buffer, "err", this.stderrDrained);
	}

	private void relay(InputStream stream, PrintStream target, LineBuffer buffer, String name,
			CompletableFuture<Void> drained) {
		Thread thread = new Thread(() -> {
			try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
				String line;
				while ((line = reader.readLine()) != null) {
					buffer.add(line);
					List<String> kept = this.capture;
					if (kept != null && kept.size() < this.captureLimit) {
						kept.add(line);
						if (line.startsWith("JNI global refs")) {
							this.captureEnd.complete(null);
						}
					}
					target.println(this.prefix + line);
				}
			}
			catch (IOException ex) {
				// the process is gone; its pipe closed
			}
			finally {
				drained.complete(null);
			}
		}, "cluster-worker-" + this.workerId + "-" + name);
		thread.setDaemon(true);
		thread.start();
	}

}
