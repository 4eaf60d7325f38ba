package dev.bootcluster.master;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Timeouts of the supervisor. They are derived so that they never contradict Boot's own
 * shutdown phase: a drain is given {@code drainTimeout}, then SIGTERM starts Boot's
 * graceful shutdown, which is given {@code shutdownTimeout} before SIGKILL.
 *
 * @param desired workers to keep running
 * @param port HTTP port the workers share
 * @param readyTimeout how long a replacement may take to become READY in a rolling
 * restart
 * @param drainTimeout how long a draining worker may take to finish and exit
 * @param drainQuietPeriod how long a draining worker waits without requests before
 * exiting
 * @param keepAliveTimeout how long a draining worker waits for keep-alive clients to
 * close
 * @param shutdownTimeout how long a worker may take to stop after SIGTERM
 * @param listener listener mode, for the status
 * @param tcpMigrateReq {@code net.ipv4.tcp_migrate_req}, for the status
 */
public record SupervisorSettings(int desired, int port, Duration readyTimeout, Duration drainTimeout,
		Duration drainQuietPeriod, Duration keepAliveTimeout, Duration shutdownTimeout, String listener,
		@Nullable Integer tcpMigrateReq) {

}
