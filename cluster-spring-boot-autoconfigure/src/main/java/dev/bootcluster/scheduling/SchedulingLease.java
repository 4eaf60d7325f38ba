package dev.bootcluster.scheduling;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ClusterStore;

/**
 * The scheduling lease of one worker: the store key {@value #KEY},
 * {@link ClusterStore#hold held} by at most one worker process at a time. Every worker
 * calls {@link #renew()} once per renewal interval: the holder renews it, the others try
 * to take it. The master removes it when its holder's connection closes (the process
 * died, even by {@code kill -9}), so another worker takes it at its next renewal; a
 * holder that stops renewing (hung, paused) loses it when its TTL runs out.
 * <p>
 * {@link #canRun()} says whether a tick may run here now: only while this worker holds
 * the lease and its last successful renewal is younger than the TTL. The renewal's time
 * is taken before the request is sent, so the master's expiry is never earlier than the
 * one this worker assumes, whatever the clocks of the two processes say about absolute
 * time.
 * <p>
 * {@link #suspend()} (the worker is draining) and {@link #close()} (it shuts down) give
 * the lease up at once. Pure: no thread of its own, time from the injected {@link Clock};
 * thread-safe.
 */
public final class SchedulingLease {

	/** The store key of the lease. */
	public static final String KEY = "cluster:scheduling";

	private static final Log logger = LogFactory.getLog(SchedulingLease.class);

	private final ClusterStore store;

	private final String holder;

	private final byte[] value;

	private final Duration ttl;

	private final Clock clock;

	private volatile boolean held;

	/** When the last successful renewal was sent. */
	private volatile @Nullable Instant renewedAt;

	private volatile boolean suspended;

	private volatile boolean closed;

	private boolean failureLogged;

	/**
	 * Create the lease of one worker.
	 * @param store the cluster store
	 * @param holder this worker as logs name it (and as the lease's value names it), such
	 * as {@code worker-2}
	 * @param ttl how long the lease lives without a renewal (the heartbeat timeout)
	 * @param clock the clock that times renewals
	 */
	public SchedulingLease(ClusterStore store, String holder, Duration ttl, Clock clock) {
		this.store = Objects.requireNonNull(store, "store");
		this.holder = Objects.requireNonNull(holder, "holder");
		this.value = (holder + " pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);
		if (ttl.isNegative() || ttl.isZero()) {
			throw new IllegalArgumentException("The lease TTL must be positive, was " + ttl);
		}
		this.ttl = ttl;
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	/**
	 * Takes or renews the lease (one request to the store), unless suspended or closed.
	 * @return whether this worker holds the lease now
	 */
	public synchronized boolean renew() {
		if (this.suspended || this.closed) {
			return false;
		}
		Instant sent = this.clock.instant();
		boolean nowHeld;
		try {
			nowHeld = this.store.hold(KEY, this.value, this.ttl);
			this.failureLogged = false;
		}
		catch (RuntimeException ex) {
			// the master is unreachable or slow: a tick must not rely on a lease it
			// cannot confirm
			if (!this.failureLogged) {
				logger.warn(this.holder + " cannot renew the scheduling lease: " + ex.getMessage());
				this.failureLogged = true;
			}
			nowHeld = false;
		}
		if (nowHeld) {
			this.renewedAt = sent;
			if (!this.held) {
				this.held = true;
				logger.info(this.holder + " holds the scheduling lease");
			}
		}
		else if (this.held) {
			this.held = false;
			logger.warn(this.holder + " lost the scheduling lease" + currentHolder());
		}
		return nowHeld;
	}

	/**
	 * Whether a tick may run here now: this worker holds the lease, is not suspended, and
	 * renewed it less than the TTL ago.
	 */
	public boolean canRun() {
		Instant renewed = this.renewedAt;
		return this.held && !this.suspended && !this.closed && renewed != null
				&& this.clock.instant().isBefore(renewed.plus(this.ttl));
	}

	/** Whether this worker holds the lease (as of its last renewal). */
	public boolean isHeld() {
		return this.held && !this.suspended && !this.closed;
	}

	/** Whether the lease is suspended (the worker is draining). */
	public boolean isSuspended() {
		return this.suspended;
	}

	/**
	 * Gives the lease up at once and takes it no more until {@link #resume()} (the worker
	 * refuses traffic: it is draining).
	 */
	public void suspend() {
		this.suspended = true;
		giveUp("is draining");
	}

	/** Takes part in the lease again at the next {@link #renew()}. */
	public void resume() {
		this.suspended = false;
	}

	/** Gives the lease up for good (the worker shuts down). */
	public void close() {
		if (!this.closed) {
			this.closed = true;
			giveUp("stops");
		}
	}

	private synchronized void giveUp(String why) {
		if (!this.held) {
			return;
		}
		this.held = false;
		try {
			this.store.release(KEY, this.value);
			logger.info(this.holder + " released the scheduling lease: it " + why);
		}
		catch (RuntimeException ex) {
			// the master removes it with this process's connection, or at its TTL
			logger.warn(this.holder + " could not release the scheduling lease: " + ex.getMessage());
		}
	}

	private String currentHolder() {
		try {
			byte[] current = this.store.get(KEY);
			return (current != null) ? " (" + new String(current, StandardCharsets.UTF_8) + " holds it)" : "";
		}
		catch (RuntimeException ex) {
			return "";
		}
	}

	@Override
	public String toString() {
		return "SchedulingLease[" + this.holder + (isHeld() ? ", held" : "") + "]";
	}

}
