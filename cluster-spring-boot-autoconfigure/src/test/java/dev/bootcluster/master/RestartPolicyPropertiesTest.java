package dev.bootcluster.master;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import dev.bootcluster.master.RestartPolicy.Decision;
import dev.bootcluster.master.RestartPolicy.Decision.GiveUp;
import dev.bootcluster.master.RestartPolicy.Decision.Restart;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of {@link RestartPolicy} over arbitrary crash histories. (Named
 * {@code *Test} so that Surefire's default includes pick it up.)
 */
class RestartPolicyPropertiesTest {

	@Property(tries = 500)
	void restartDelaysStayWithinBounds(@ForAll @IntRange(min = 1, max = 10_000) int initialMillis,
			@ForAll @IntRange(min = 0, max = 3_600_000) int extraMillis,
			@ForAll @IntRange(min = 1, max = 10) int maxCrashes,
			@ForAll @LongRange(min = 1, max = 120_000) long windowMillis,
			@ForAll @Size(min = 1, max = 60) List<@LongRange(min = 0, max = 240_000) Long> gapsMillis) {
		Duration initial = Duration.ofMillis(initialMillis);
		Duration max = initial.plusMillis(extraMillis);
		MutableClock clock = new MutableClock();
		RestartPolicy.Tracker tracker = new RestartPolicy(initial, max, maxCrashes, Duration.ofMillis(windowMillis),
				clock)
			.newTracker();
		for (long gap : gapsMillis) {
			clock.advance(Duration.ofMillis(gap));
			if (tracker.recordCrash() instanceof Restart restart) {
				assertThat(restart.delay()).isBetween(initial, max);
			}
		}
	}

	@Property(tries = 500)
	void givesUpExactlyWhenCrashesInTrailingWindowReachMax(@ForAll @IntRange(min = 1, max = 1_000) int initialMillis,
			@ForAll @IntRange(min = 0, max = 10) int doublings, @ForAll @IntRange(min = 1, max = 8) int maxCrashes,
			@ForAll @LongRange(min = 1, max = 60_000) long windowMillis,
			@ForAll @Size(min = 1, max = 60) List<@LongRange(min = 0, max = 90_000) Long> gapsMillis) {
		Duration initial = Duration.ofMillis(initialMillis);
		Duration max = initial.multipliedBy(1L << doublings).plusMillis(doublings);
		MutableClock clock = new MutableClock();
		RestartPolicy.Tracker tracker = new RestartPolicy(initial, max, maxCrashes, Duration.ofMillis(windowMillis),
				clock)
			.newTracker();
		List<Long> crashTimes = new ArrayList<>();
		long now = 0;
		for (long gap : gapsMillis) {
			now += gap;
			clock.advance(Duration.ofMillis(gap));
			crashTimes.add(now);
			long horizon = now - windowMillis;
			int inWindow = (int) crashTimes.stream().filter((time) -> time > horizon).count();
			Decision decision = tracker.recordCrash();
			if (inWindow >= maxCrashes) {
				assertThat(decision).isInstanceOf(GiveUp.class);
				assertThat(((GiveUp) decision).reason()).contains(inWindow + " times")
					.contains("cluster.worker.crash-loop.max-crashes=" + maxCrashes);
			}
			else {
				assertThat(decision).isEqualTo(new Restart(expectedDelay(initial, max, inWindow), inWindow));
			}
		}
	}

	private static Duration expectedDelay(Duration initial, Duration max, int crashesInWindow) {
		Duration delay = initial.multipliedBy(1L << Math.min(crashesInWindow - 1, 40));
		return (delay.compareTo(max) > 0) ? max : delay;
	}

}
