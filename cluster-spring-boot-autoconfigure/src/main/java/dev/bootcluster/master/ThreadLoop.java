package dev.bootcluster.master;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The supervisor's loop on a thread of its own, {@code cluster-supervisor}. A task that
 * throws is logged and the loop goes on.
 */
final class ThreadLoop implements SupervisorLoop {

	private static final Log logger = LogFactory.getLog(ThreadLoop.class);

	private final Clock clock;

	private final ScheduledThreadPoolExecutor executor;

	private volatile Thread thread;

	ThreadLoop(Clock clock) {
		this.clock = clock;
		this.executor = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread created = new Thread(task, "cluster-supervisor");
			created.setDaemon(true);
			this.thread = created;
			return created;
		});
		// a timer cancelled before it ran (a worker READY in time) leaves the queue at
		// once
		this.executor.setRemoveOnCancelPolicy(true);
	}

	@Override
	public Clock clock() {
		return this.clock;
	}

	@Override
	public void execute(Runnable task) {
		try {
			this.executor.execute(() -> run(task));
		}
		catch (RejectedExecutionException ex) {
			logger.debug("The supervisor is stopped; dropping a task");
		}
	}

	@Override
	public Timer schedule(Duration delay, Runnable task) {
		try {
			ScheduledFuture<?> future = this.executor.schedule(() -> run(task), delay.toNanos(), TimeUnit.NANOSECONDS);
			return () -> future.cancel(false);
		}
		catch (RejectedExecutionException ex) {
			return () -> {
			};
		}
	}

	@Override
	public boolean inLoop() {
		return Thread.currentThread() == this.thread;
	}

	@Override
	public <T> T call(Supplier<T> task, Duration timeout) {
		if (inLoop()) {
			return task.get();
		}
		CompletableFuture<T> result = new CompletableFuture<>();
		try {
			this.executor.execute(() -> {
				try {
					result.complete(task.get());
				}
				catch (RuntimeException | Error ex) {
					result.completeExceptionally(ex);
				}
			});
			return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			throw new IllegalStateException("The supervisor is stopped", ex);
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException("The supervisor did not answer within " + timeout.toMillis() + " ms", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for the supervisor", ex);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new IllegalStateException(ex.getCause());
		}
	}

	private static void run(Runnable task) {
		try {
			task.run();
		}
		catch (RuntimeException | AssertionError ex) {
			logger.error("A supervisor task failed", ex);
		}
	}

	@Override
	public void shutdown() {
		this.executor.shutdownNow();
	}

}
