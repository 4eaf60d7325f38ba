package dev.bootcluster.web;

import java.io.IOException;
import java.time.Duration;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;

/**
 * Counts requests in progress, so a draining worker knows when it holds nothing more; while
 * draining, every response says {@code Connection: close} so keep-alive clients reconnect to
 * another worker instead of finding a closed connection later.
 */
public class InFlightRequests implements Filter, Ordered {

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}


	private final Object lock = new Object();

	private int active;

	private long lastActivityNanos = System.nanoTime();

	private volatile boolean draining;

	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		if (this.draining && response instanceof HttpServletResponse http) {
			http.setHeader("Connection", "close");
		}
		synchronized (this.lock) {
			this.active++;
		}
		try {
			chain.doFilter(request, response);
		}
		finally {
			synchronized (this.lock) {
				this.active--;
				this.lastActivityNanos = System.nanoTime();
				this.lock.notifyAll();
			}
		}
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
	 * Waits until no request has been in progress for {@code quiet}, or {@code timeout} passed.
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
				java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this.lock, Math.max(1, wait));
			}
		}
	}

}
