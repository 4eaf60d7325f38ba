package dev.bootcluster.sample.users;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

import dev.bootcluster.context.ClusterMaster;
import dev.bootcluster.messaging.ClusterMessenger;
import dev.bootcluster.messaging.ClusterRequest;

/**
 * Runs in the master only (Node: {@code if (cluster.isMaster)}): counts the users once
 * every {@code sample.users.count-interval} and broadcasts the count, retained, so every
 * worker (and every worker that starts later) knows it without querying the database
 * itself. It also adds users for the workers, which hold no database connection.
 */
@ClusterMaster
class UsersCounter {

	private static final Log logger = LogFactory.getLog(UsersCounter.class);

	private final JdbcClient jdbc;

	private final ClusterMessenger messenger;

	private final AtomicLong runs = new AtomicLong();

	UsersCounter(JdbcClient jdbc, ClusterMessenger messenger) {
		this.jdbc = jdbc;
		this.messenger = messenger;
		logger.info("UsersCounter runs in pid " + ProcessHandle.current().pid());
	}

	@Scheduled(fixedDelayString = "${sample.users.count-interval:10s}")
	void countAndBroadcast() {
		long count = count();
		this.messenger.broadcastRetained(
				new UsersCount(count, Instant.now(), ProcessHandle.current().pid(), this.runs.incrementAndGet()));
	}

	@EventListener
	void add(ClusterRequest<AddUser> request) {
		this.jdbc.sql("INSERT INTO users (name) VALUES (:name)").param("name", request.payload().name()).update();
		long count = count();
		request.reply(new UserAdded(request.payload().name(), count));
		this.messenger.broadcastRetained(
				new UsersCount(count, Instant.now(), ProcessHandle.current().pid(), this.runs.incrementAndGet()));
	}

	private long count() {
		return this.jdbc.sql("SELECT COUNT(*) FROM users").query(Long.class).single();
	}

}
