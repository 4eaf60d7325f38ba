package dev.bootcluster.master;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.bootcluster.master.RestartPolicy.Decision;
import dev.bootcluster.master.RestartPolicy.Decision.GiveUp;
import dev.bootcluster.master.RestartPolicy.Decision.Restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RestartPolicy}.
 */
class RestartPolicyTest {

	private static final Duration INITIAL = Duration.ofMillis(100);

	private static final Duration MAX = Duration.ofSeconds(10);

	private static final Duration WINDOW = Duration.ofSeconds(60);

	private final MutableClock clock = new MutableClock();

	@Test
	void firstCrashRestartsAfterInitialBackoff() {
		RestartPolicy.Tracker tracker = policy(5).newTracker();
		Decision decision = tracker.recordCrash();
		assertThat(decision).isEqualTo(new Restart(INITIAL, 1));
	}

	@Test
	void backoffDoublesWithEachCrashWithinTheWindow() {
		RestartPolicy.Tracker tracker = policy(5).newTracker();
		List<Duration> delays = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			this.clock.advance(Duration.ofSeconds(1));
			delays.add(restart(tracker.recordCrash()).delay());
		}
		assertThat(delays).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400),
				Duration.ofMillis(800));
	}

	@Test
	void crashesInWindowAreCounted() {
		RestartPolicy.Tracker tracker = policy(5).newTracker();
		assertThat(restart(tracker.recordCrash()).crashesInWindow()).isEqualTo(1);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(restart(tracker.recordCrash()).crashesInWindow()).isEqualTo(2);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(restart(tracker.recordCrash()).crashesInWindow()).isEqualTo(3);
	}

	@Test
	void backoffIsCappedAtMax() {
		RestartPolicy.Tracker tracker = policy(20).newTracker();
		List<Duration> delays = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			delays.add(restart(tracker.recordCrash()).delay());
		}
		assertThat(delays).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400),
				Duration.ofMillis(800), Duration.ofMillis(1600), Duration.ofMillis(3200), Duration.ofMillis(6400), MAX,
				MAX, MAX, MAX, MAX);
	}

	@Test
	void backoffIsCappedAtMaxThatIsNotAPowerOfTwoOfInitial() {
		RestartPolicy policy = new RestartPolicy(INITIAL, Duration.ofMillis(300), 10, WINDOW, this.clock);
		RestartPolicy.Tracker tracker = policy.newTracker();
		List<Duration> delays = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			delays.add(restart(tracker.recordCrash()).delay());
		}
		assertThat(delays).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300),
				Duration.ofMillis(300));
	}

	@Test
	void maxCrashesWithinWindowGivesUp() {
		RestartPolicy.Tracker tracker = policy(5).newTracker();
		for (int i = 1; i < 5; i++) {
			assertThat(tracker.recordCrash()).as("crash %d", i).isInstanceOf(Restart.class);
			this.clock.advance(Duration.ofSeconds(10));
		}
		Decision fifth = tracker.recordCrash();
		assertThat(fifth).isInstanceOf(GiveUp.class);
		assertThat(((GiveUp) fifth).reason()).contains("5 times")
			.contains("60 s")
			.contains("cluster.worker.crash-loop.max-crashes=5");
	}

	@Test
	void maxCrashesOfOneGivesUpOnFirstCrash() {
		RestartPolicy.Tracker tracker = policy(1).newTracker();
		assertThat(tracker.recordCrash()).isInstanceOf(GiveUp.class);
	}

	@Test
	void crashesOlderThanWindowAreForgotten() {
		RestartPolicy.Tracker tracker = policy(5).newTracker();
		for (int i = 0; i < 4; i++) {
			tracker.recordCrash();
		}
		this.clock.advance(WINDOW.plusMillis(1));
		assertThat(tracker.recordCrash()).isEqualTo(new Restart(INITIAL, 1));
	}

	@Test
	void crashExactlyOneWindowAgoIsForgotten() {
		RestartPolicy.Tracker tracker = policy(2).newTracker();
		tracker.recordCrash();
		this.clock.advance(WINDOW);
		assertThat(tracker.recordCrash()).isEqualTo(new Restart(INITIAL, 1));
	}

	@Test
	void crashJustInsideWindowIsCounted() {
		RestartPolicy.Tracker tracker = policy(2).newTracker();
		tracker.recordCrash();
		this.clock.advance(WINDOW.minusMillis(1));
		assertThat(tracker.recordCrash()).isInstanceOf(GiveUp.class);
	}

	@Test
	void windowSlides() {
		RestartPolicy.Tracker tracker = policy(3).newTracker();
		tracker.recordCrash();
		this.clock.advance(Duration.ofSeconds(40));
		tracker.recordCrash();
		this.clock.advance(Duration.ofSeconds(30));
		// the first crash (70 s ago) left the window, the second (30 s ago) did not
		assertThat(tracker.recordCrash()).isEqualTo(new Restart(Duration.ofMillis(200), 2));
	}

	@Test
	void resetForgetsHistory() {
		RestartPolicy.Tracker tracker = policy(3).newTracker();
		tracker.recordCrash();
		tracker.recordCrash();
		tracker.reset();
		assertThat(tracker.recordCrash()).isEqualTo(new Restart(INITIAL, 1));
	}

	@Test
	void trackersAreIndependent() {
		RestartPolicy policy = policy(2);
		RestartPolicy.Tracker first = policy.newTracker();
		RestartPolicy.Tracker second = policy.newTracker();
		first.recordCrash();
		assertThat(second.recordCrash()).isEqualTo(new Restart(INITIAL, 1));
		assertThat(first.recordCrash()).isInstanceOf(GiveUp.class);
	}

	@Test
	void reasonFormatsWindowInMillisWhenNotWholeSeconds() {
		RestartPolicy policy = new RestartPolicy(INITIAL, MAX, 1, Duration.ofMillis(1500), this.clock);
		GiveUp giveUp = (GiveUp) policy.newTracker().recordCrash();
		assertThat(giveUp.reason()).contains("1 times").contains("1500 ms");
	}

	@Test
	void exposesClock() {
		assertThat(policy(5).clock()).isSameAs(this.clock);
	}

	@Test
	void rejectsNonPositiveInitialBackoff() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RestartPolicy(Duration.ZERO, MAX, 5, WINDOW, this.clock))
			.withMessageContaining("initialBackoff");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RestartPolicy(Duration.ofMillis(-1), MAX, 5, WINDOW, this.clock))
			.withMessageContaining("initialBackoff");
	}

	@Test
	void rejectsMaxBelowInitial() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RestartPolicy(INITIAL, Duration.ofMillis(99), 5, WINDOW, this.clock))
			.withMessageContaining("maxBackoff");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RestartPolicy(INITIAL, Duration.ZERO, 5, WINDOW, this.clock))
			.withMessageContaining("maxBackoff");
	}

	@Test
	void acceptsMaxEqualToInitial() {
		RestartPolicy policy = new RestartPolicy(INITIAL, INITIAL, 5, WINDOW, this.clock);
		RestartPolicy.Tracker tracker = policy.newTracker();
		assertThat(restart(tracker.recordCrash()).delay()).isEqualTo(INITIAL);
		assertThat(restart(tracker.recordCrash()).delay()).isEqualTo(INITIAL);
	}

	@Test
	void rejectsMaxCrashesBelowOne() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RestartPolicy(INITIAL, MAX, 0, WINDOW, this.clock))
			.withMessageContaining("maxCrashes");
		assertThatIllegalArgumentException().isThrownBy(() -> new RestartPolicy(INITIAL, MAX, -1, WINDOW, this.clock))
			.withMessageContaining("maxCrashes");
	}

	@Test
	void rejectsNonPositiveWindow() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RestartPolicy(INITIAL, MAX, 5, Duration.ZERO, this.clock))
			.withMessageContaining("window");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RestartPolicy(INITIAL, MAX, 5, Duration.ofSeconds(-1), this.clock))
			.withMessageContaining("window");
	}

	private RestartPolicy policy(int maxCrashes) {
		return new RestartPolicy(INITIAL, MAX, maxCrashes, WINDOW, this.clock);
	}

	private static Restart restart(Decision decision) {
		assertThat(decision).isInstanceOf(Restart.class);
		return (Restart) decision;
	}

}
