package dev.bootcluster.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

import dev.bootcluster.context.ClusterConfigurationException;
import dev.bootcluster.master.ClusterTimeouts;

/**
 * Every timeout rule of the cluster, in one place: builds the {@link ClusterTimeouts}
 * from the {@code cluster.*} properties and Boot's
 * {@code spring.lifecycle.timeout-per-shutdown-phase}, and refuses a combination that
 * contradicts itself with a {@link ClusterConfigurationException} (reported by
 * {@link ClusterFailureAnalyzer}) that names the property, its value, what is accepted
 * and the value of the other property of the rule.
 * <p>
 * The rules:
 * <ul>
 * <li>every timeout is positive; the drain's quiet period and keep-alive wait may be
 * 0;</li>
 * <li>the heartbeat interval is at least 1 ms (workers schedule it in whole
 * milliseconds);</li>
 * <li>the quiet period and the keep-alive wait share the drain: quiet period + keep-alive
 * timeout &lt; drain timeout (so each is shorter than the drain);</li>
 * <li>the heartbeat timeout is at least {@value #HEARTBEATS_PER_TIMEOUT} heartbeat
 * intervals: one missed beat does not make a worker HUNG;</li>
 * <li>the ready timeout is longer than the request timeout: a starting worker may wait
 * that long for the retained values before it reports READY;</li>
 * <li>the shutdown timeout is longer than Boot's shutdown phase: SIGKILL does not cut a
 * worker's graceful shutdown short.</li>
 * </ul>
 * The rules among {@code cluster.*} properties alone are checked in every role (by
 * {@link ClusterProperties}); the rule with Boot's shutdown phase only where there is a
 * cluster (master and workers), since a standalone application uses no cluster timeout.
 */
public final class ClusterTimeoutSettings {

	/** Boot's bound for each phase of a graceful shutdown. */
	public static final String SHUTDOWN_PHASE_PROPERTY = "spring.lifecycle.timeout-per-shutdown-phase";

	/** Boot's default for {@value #SHUTDOWN_PHASE_PROPERTY}. */
	static final Duration DEFAULT_SHUTDOWN_PHASE = Duration.ofSeconds(30);

	/** Heartbeat intervals a READY worker may miss before it is HUNG, at least. */
	static final int HEARTBEATS_PER_TIMEOUT = 3;

	/** Heartbeat intervals after which the status the master pushed is stale. */
	static final int HEARTBEATS_PER_STALE_STATUS = 3;

	/** The pushed status is never stale sooner than this. */
	static final Duration MIN_STATUS_STALENESS = Duration.ofSeconds(5);

	private ClusterTimeoutSettings() {
	}

	/**
	 * The validated timeouts of a cluster, with the shutdown phase of this process's
	 * environment.
	 * @throws ClusterConfigurationException if they contradict each other
	 */
	public static ClusterTimeouts timeouts(ClusterProperties properties, Environment environment) {
		return timeouts(properties, shutdownPhase(environment));
	}

	/**
	 * The validated timeouts of a cluster.
	 * @param shutdownPhase Boot's {@value #SHUTDOWN_PHASE_PROPERTY}
	 * @throws ClusterConfigurationException if they contradict each other
	 */
	static ClusterTimeouts timeouts(ClusterProperties properties, Duration shutdownPhase) {
		validate(properties);
		requirePositive(SHUTDOWN_PHASE_PROPERTY, shutdownPhase);
		Duration shutdown = properties.getShutdownTimeout();
		if (shutdown.compareTo(shutdownPhase) <= 0) {
			throw new ClusterConfigurationException("cluster.shutdown-timeout", shutdown,
					"a duration longer than " + SHUTDOWN_PHASE_PROPERTY + " (" + format(shutdownPhase)
							+ "), so that SIGKILL does not cut a worker's graceful shutdown short");
		}
		ClusterProperties.Restart restart = properties.getRestart();
		ClusterProperties.Ipc ipc = properties.getIpc();
		return new ClusterTimeouts(restart.getReadyTimeout(), restart.getDrainTimeout(), restart.getDrainQuietPeriod(),
				restart.getKeepAliveTimeout(), shutdown, shutdownPhase, ipc.getHeartbeatInterval(),
				properties.getWorker().getHeartbeatTimeout());
	}

	/**
	 * Boot's {@value #SHUTDOWN_PHASE_PROPERTY}, bound as Boot binds it (default 30 s).
	 */
	static Duration shutdownPhase(Environment environment) {
		return Binder.get(environment).bind(SHUTDOWN_PHASE_PROPERTY, Duration.class).orElse(DEFAULT_SHUTDOWN_PHASE);
	}

	/**
	 * Checks the rules among {@code cluster.*} timeouts alone, in the order a user would
	 * fix them (each value on its own, then each relation).
	 * @throws ClusterConfigurationException at the first one broken
	 */
	static void validate(ClusterProperties properties) {
		ClusterProperties.Restart restart = properties.getRestart();
		ClusterProperties.Ipc ipc = properties.getIpc();
		Duration heartbeatTimeout = properties.getWorker().getHeartbeatTimeout();
		requirePositive("cluster.shutdown-timeout", properties.getShutdownTimeout());
		if (ipc.getHeartbeatInterval().toMillis() < 1) {
			throw new ClusterConfigurationException("cluster.ipc.heartbeat-interval", ipc.getHeartbeatInterval(),
					"a positive duration of at least 1ms, such as 500ms or 1s");
		}
		requirePositive("cluster.worker.heartbeat-timeout", heartbeatTimeout);
		requirePositive("cluster.ipc.request-timeout", ipc.getRequestTimeout());
		requirePositive("cluster.restart.ready-timeout", restart.getReadyTimeout());
		requirePositive("cluster.restart.drain-timeout", restart.getDrainTimeout());
		requireNotNegative("cluster.restart.keep-alive-timeout", restart.getKeepAliveTimeout());
		Duration drain = restart.getDrainTimeout();
		if (restart.getDrainQuietPeriod().isNegative() || restart.getDrainQuietPeriod().compareTo(drain) >= 0) {
			throw new ClusterConfigurationException("cluster.restart.drain-quiet-period", restart.getDrainQuietPeriod(),
					"a duration from 0 to less than cluster.restart.drain-timeout (" + format(drain) + ")");
		}
		Duration room = drain.minus(restart.getDrainQuietPeriod());
		if (restart.getKeepAliveTimeout().compareTo(room) >= 0) {
			throw new ClusterConfigurationException("cluster.restart.keep-alive-timeout", restart.getKeepAliveTimeout(),
					"a duration from 0 to less than cluster.restart.drain-timeout (" + format(drain)
							+ ") minus cluster.restart.drain-quiet-period (" + format(restart.getDrainQuietPeriod())
							+ "), that is under " + format(room)
							+ ": the quiet period and the keep-alive wait share the drain");
		}
		Duration minHeartbeatTimeout = ipc.getHeartbeatInterval().multipliedBy(HEARTBEATS_PER_TIMEOUT);
		if (heartbeatTimeout.compareTo(minHeartbeatTimeout) < 0) {
			throw new ClusterConfigurationException("cluster.worker.heartbeat-timeout", heartbeatTimeout,
					"a duration of at least " + HEARTBEATS_PER_TIMEOUT + " times cluster.ipc.heartbeat-interval ("
							+ format(ipc.getHeartbeatInterval()) + "), that is " + format(minHeartbeatTimeout)
							+ " or more: one missed heartbeat must not make a worker HUNG");
		}
		if (restart.getReadyTimeout().compareTo(ipc.getRequestTimeout()) <= 0) {
			throw new ClusterConfigurationException("cluster.restart.ready-timeout", restart.getReadyTimeout(),
					"a duration longer than cluster.ipc.request-timeout (" + format(ipc.getRequestTimeout())
							+ "), which a starting worker may wait for the retained values before it is READY");
		}
	}

	/**
	 * How old the status the master pushed (after every heartbeat) may be before the
	 * {@code cluster} health contributor calls it stale:
	 * {@value #HEARTBEATS_PER_STALE_STATUS} heartbeat intervals, and never less than
	 * {@link #MIN_STATUS_STALENESS}.
	 */
	static Duration statusStaleAfter(Duration heartbeatInterval) {
		Duration beats = heartbeatInterval.multipliedBy(HEARTBEATS_PER_STALE_STATUS);
		return (beats.compareTo(MIN_STATUS_STALENESS) > 0) ? beats : MIN_STATUS_STALENESS;
	}

	private static void requirePositive(String property, Duration value) {
		if (value.isNegative() || value.isZero()) {
			throw new ClusterConfigurationException(property, value, "a positive duration such as 500ms or 10s");
		}
	}

	private static void requireNotNegative(String property, Duration value) {
		if (value.isNegative()) {
			throw new ClusterConfigurationException(property, value, "a duration of 0 or more");
		}
	}

	/**
	 * A duration as a user writes it in a property ({@code 30s}, {@code 500ms},
	 * {@code 2m}), or in ISO-8601 when no such unit fits.
	 */
	static String format(Duration duration) {
		if (duration.isZero()) {
			return "0s";
		}
		if (duration.getNano() % 1_000_000 != 0) {
			return duration.toString();
		}
		try {
			long millis = duration.toMillis();
			if (millis % 1000 != 0) {
				return millis + "ms";
			}
			long seconds = duration.getSeconds();
			if (seconds % 3600 == 0) {
				return (seconds / 3600) + "h";
			}
			if (seconds % 60 == 0) {
				return (seconds / 60) + "m";
			}
			return seconds + "s";
		}
		catch (ArithmeticException ex) {
			return duration.toString();
		}
	}

}
