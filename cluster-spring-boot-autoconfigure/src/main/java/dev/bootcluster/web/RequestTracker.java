package dev.bootcluster.web;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests a worker has in progress, whatever its web server, so a draining
 * worker knows when it holds nothing more, and says whether responses must tell
 * keep-alive clients to close ({@code Connection: close}) so they reconnect to another
 * worker instead of finding a closed connection later. A servlet filter or a WebFlux
 * {@code WebFilter} feeds it.
 */
public class RequestTracker {

	private final Object lock = new Object();

	private int active;

	private long lastActivityNanos = System.nanoTime();

	private volatile boolean draining;

	private final LongAdder served = new LongAdder();

	/** A request starts; pair with {@link #finished()}. */
	public void started() {
		this.served.increment();
		synchronized (this.lock) {
			this.active++;
		}
	}

	/** Requests started since this worker started. */
	public long served() {
		return this.served.sum();
	}

	/** A request started with {@link #started()} is done. */
	public void finished() {
		synchronized (this.lock) {
			this.active--;
			this.lastActivityNanos = System.nanoTime();
			this.lock.notifyAll();
		}
	}

	/** Whether responses should say {@code Connection: close}. */
	public boolean isDraining() {
		return this.draining;
	}

	public void startDraining() {
		this.draining = true;
	}

	public int active() {
		synchronized (this.lock) {
			return this.active;
		}
	}

	/**
	 * Waits until no request has been in progress for {@code quiet}, or {@code timeout}
	 * passed.
	 * @return the number of requests still in progress (0 when quiet)
	 */
	public int awaitQuiet(Duration quiet, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.lock) {
			this.lastActivityNanos = Math.max(this.lastActivityNanos, System.nanoTime() - quiet.toNanos() / 2);
			while (true) {
				long now = System.nanoTime();
				long quietUntil = this.lastActivityNanos + quiet.toNanos();
				if (this.active == 0 && now >= quietUntil) {
					return 0;
				}
				if (now >= deadline) {
					return this.active;
				}
				long wait = (this.active == 0) ? Math.min(quietUntil, deadline) - now : deadline - now;
				TimeUnit.NANOSECONDS.timedWait(this.lock, Math.max(1, wait));
			}
		}
	}

}
