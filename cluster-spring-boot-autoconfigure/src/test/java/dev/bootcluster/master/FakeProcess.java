package dev.bootcluster.master;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Process} that exits when the test says, or when it is destroyed (SIGTERM: 143,
 * SIGKILL: 137), with no operating-system process behind it: nothing to kill after a
 * test. Its stdout holds the given lines; its stderr is empty.
 */
final class FakeProcess extends Process {

	/**
	 * PIDs far above Linux's pid_max (4194304), so none is mistaken for a real process.
	 */
	private static final AtomicLong PIDS = new AtomicLong(900_000_000L);

	private final long pid = PIDS.incrementAndGet();

	private final InputStream output;

	private final CompletableFuture<Process> exit = new CompletableFuture<>();

	private volatile int exitCode;

	/** A worker that takes its time to drain: SIGTERM does not end it. */
	private volatile boolean ignoresSigterm;

	FakeProcess(List<String> lines) {
		this(new ByteArrayInputStream(
				lines.stream().map((line) -> line + "\n").reduce("", String::concat).getBytes(StandardCharsets.UTF_8)));
	}

	/** A process whose stdout is {@code output} (a pipe the test writes to, say). */
	FakeProcess(InputStream output) {
		this.output = output;
	}

	/** Ends the process with {@code status}, unless it ended already. */
	synchronized void exit(int status) {
		if (!this.exit.isDone()) {
			this.exitCode = status;
			this.exit.complete(this);
		}
	}

	@Override
	public long pid() {
		return this.pid;
	}

	@Override
	public OutputStream getOutputStream() {
		return OutputStream.nullOutputStream();
	}

	@Override
	public InputStream getInputStream() {
		return this.output;
	}

	@Override
	public InputStream getErrorStream() {
		return InputStream.nullInputStream();
	}

	@Override
	public int waitFor() {
		this.exit.join();
		return this.exitCode;
	}

	@Override
	public int exitValue() {
		if (!this.exit.isDone()) {
			throw new IllegalThreadStateException("process " + this.pid + " has not exited");
		}
		return this.exitCode;
	}

	@Override
	public boolean isAlive() {
		return !this.exit.isDone();
	}

	@Override
	public CompletableFuture<Process> onExit() {
		// a dependent copy, as the JDK's: a caller completing it cannot end the process
		return this.exit.thenApply((process) -> process);
	}

	/** From now on SIGTERM does not end the process (a long drain). */
	FakeProcess ignoreSigterm() {
		this.ignoresSigterm = true;
		return this;
	}

	@Override
	public void destroy() {
		if (!this.ignoresSigterm) {
			exit(128 + 15);
		}
	}

	@Override
	public Process destroyForcibly() {
		exit(128 + 9);
		return this;
	}

}
