package dev.bootcluster.scheduling;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import dev.bootcluster.master.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SchedulingLease}: workers of one fake store, on one clock that only
 * the test moves.
 */
class SchedulingLeaseTest {

	private static final Duration TTL = Duration.ofSeconds(5);

	private final MutableClock clock = new MutableClock();

	private final FakeClusterStore store = new FakeClusterStore(this.clock);

	private SchedulingLease worker(int id) {
		return new SchedulingLease(this.store.client(id), "worker-" + id, TTL, this.clock);
	}

	@Test
	void firstWorkerTakesTheLeaseAndOnlyItRunsTicks() {
		SchedulingLease one = worker(1);
		SchedulingLease two = worker(2);
		assertThat(one.canRun()).isFalse();
		assertThat(one.renew()).isTrue();
		assertThat(two.renew()).isFalse();
		assertThat(one.canRun()).isTrue();
		assertThat(two.canRun()).isFalse();
		assertThat(this.store.holderOf(SchedulingLease.KEY)).startsWith("worker-1 pid ");
	}

	@Test
	void holderRenewsItsLease() {
		SchedulingLease one = worker(1);
		SchedulingLease two = worker(2);
		one.renew();
		for (int i = 0; i < 20; i++) {
			this.clock.advance(Duration.ofSeconds(1));
			assertThat(one.renew()).isTrue();
			assertThat(two.renew()).isFalse();
			assertThat(one.canRun()).isTrue();
		}
	}

	@Test
	void anotherWorkerTakesOverAtItsNextRenewalWhenTheHolderDies() {
		SchedulingLease one = worker(1);
		SchedulingLease two = worker(2);
		one.renew();
		two.renew();
		this.store.die(1);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(two.renew()).isTrue();
		assertThat(two.canRun()).isTrue();
	}

	@Test
	void holderThatStopsRenewingMayNotRunOnceItsTtlHasPassed() {
		SchedulingLease one = worker(1);
		SchedulingLease two = worker(2);
		one.renew();
		this.clock.advance(TTL.minusMillis(1));
		assertThat(one.canRun()).isTrue();
		assertThat(two.renew()).isFalse();
		this.clock.advance(Duration.ofMillis(1));
		// still held as far as it knows, but it may have lapsed: no tick
		assertThat(one.isHeld()).isTrue();
		assertThat(one.canRun()).isFalse();
		assertThat(two.renew()).isTrue();
		assertThat(two.canRun()).isTrue();
		assertThat(one.renew()).isFalse();
		assertThat(one.isHeld()).isFalse();
	}

	@Test
	void leaseIsTimedFromBeforeTheRequestWasSent() {
		SchedulingLease one = worker(1);
		// the master receives the request 2 s after it was sent
		this.store.duringHold(() -> this.clock.advance(Duration.ofSeconds(2)));
		one.renew();
		this.clock.advance(TTL.minusSeconds(2).minusMillis(1));
		assertThat(one.canRun()).isTrue();
		this.clock.advance(Duration.ofMillis(1));
		assertThat(one.canRun()).isFalse();
	}

	@Test
	void unreachableMasterMeansNoTicks() {
		SchedulingLease one = worker(1);
		one.renew();
		this.store.unreachable(true);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(one.renew()).isFalse();
		assertThat(one.canRun()).isFalse();
		this.store.unreachable(false);
		assertThat(one.renew()).isTrue();
		assertThat(one.canRun()).isTrue();
	}

	@Test
	void drainingWorkerGivesTheLeaseUpAtOnceAndTakesItNoMoreUntilResumed() {
		SchedulingLease one = worker(1);
		SchedulingLease two = worker(2);
		one.renew();
		one.suspend();
		assertThat(one.canRun()).isFalse();
		assertThat(this.store.holderOf(SchedulingLease.KEY)).isNull();
		assertThat(two.renew()).isTrue();
		this.store.die(2);
		assertThat(one.renew()).isFalse();
		assertThat(this.store.holderOf(SchedulingLease.KEY)).isNull();
		one.resume();
		assertThat(one.renew()).isTrue();
		assertThat(one.canRun()).isTrue();
	}

	@Test
	void closedLeaseIsReleasedAndNeverTakenAgain() {
		SchedulingLease one = worker(1);
		one.renew();
		one.close();
		assertThat(this.store.holderOf(SchedulingLease.KEY)).isNull();
		assertThat(one.renew()).isFalse();
		assertThat(one.canRun()).isFalse();
		one.resume();
		assertThat(one.renew()).isFalse();
	}

	@Test
	void suspendingAWorkerThatDoesNotHoldTheLeaseLeavesTheHolderAlone() {
		SchedulingLease one = worker(1);
		SchedulingLease two = worker(2);
		one.renew();
		two.renew();
		two.suspend();
		two.close();
		assertThat(this.store.holderOf(SchedulingLease.KEY)).startsWith("worker-1 ");
		assertThat(one.canRun()).isTrue();
	}

	/**
	 * Whatever renewals, deaths, pauses, drains and master outages happen, never do two
	 * workers run a tick at the same moment.
	 */
	@Property(tries = 300)
	void neverTwoWorkersMayRunAtOnce(@ForAll("steps") List<Integer> steps) {
		MutableClock clock = new MutableClock();
		FakeClusterStore store = new FakeClusterStore(clock);
		List<SchedulingLease> workers = new ArrayList<>();
		int[] generation = new int[3];
		for (int i = 0; i < 3; i++) {
			workers.add(new SchedulingLease(store.client(i + 1), "worker-" + (i + 1), TTL, clock));
		}
		for (int step : steps) {
			int worker = step % 3;
			switch (step / 3) {
				case 0, 1, 2 -> workers.get(worker).renew();
				case 3 -> clock.advance(Duration.ofMillis(700));
				case 4 -> clock.advance(Duration.ofSeconds(3));
				case 5 -> {
					// the process dies; the slot's replacement is a new process
					store.die(ownerOf(worker, generation));
					generation[worker]++;
					workers.set(worker, new SchedulingLease(store.client(ownerOf(worker, generation)),
							"worker-" + (worker + 1), TTL, clock));
				}
				case 6 -> workers.get(worker).suspend();
				case 7 -> workers.get(worker).resume();
				case 8 -> store.unreachable(worker == 0);
				default -> throw new IllegalStateException();
			}
			long running = workers.stream().filter(SchedulingLease::canRun).count();
			assertThat(running).as("workers that may run a tick").isLessThanOrEqualTo(1);
		}
	}

	private static long ownerOf(int worker, int[] generation) {
		return (worker + 1) * 1000L + generation[worker];
	}

	@Provide
	Arbitrary<List<Integer>> steps() {
		return Arbitraries.integers().between(0, 26).list().ofMinSize(1).ofMaxSize(80);
	}

}
