package dev.bootcluster.testapp.redis;

import java.time.Instant;

import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A job every worker on every host schedules, which ShedLock lets run once per tick: the
 * lock is a Redis key ({@link JobConfiguration}). Each run is recorded in Redis: the
 * total ({@value #RUNS}), runs per PID ({@value #PIDS}) and runs per second of the clock
 * ({@value #TICKS}).
 */
@Component
class TickJob {

	/** Total runs, across every worker and host. */
	static final String RUNS = "redis-app:job:runs";

	/** A hash: PID to its runs. */
	static final String PIDS = "redis-app:job:pids";

	/** A hash: epoch second to the runs started in it. */
	static final String TICKS = "redis-app:job:ticks";

	private final StringRedisTemplate redis;

	TickJob(StringRedisTemplate redis) {
		this.redis = redis;
	}

	// every second, on the second, on every worker; lockAtLeastFor covers the spread of
	// the workers' clocks and of their trigger times, so the others skip the same tick
	@Scheduled(cron = "${redis-app.job.cron:* * * * * *}")
	@SchedulerLock(name = "tick", lockAtLeastFor = "PT0.8S", lockAtMostFor = "PT10S")
	void tick() {
		this.redis.opsForValue().increment(RUNS);
		this.redis.opsForHash().increment(PIDS, Long.toString(ProcessHandle.current().pid()), 1);
		this.redis.opsForHash().increment(TICKS, Long.toString(Instant.now().getEpochSecond()), 1);
	}

}
