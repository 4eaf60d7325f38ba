package dev.bootcluster.master;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.bootcluster.master.RecyclePolicy.HeapThreshold;
import dev.bootcluster.master.RecyclePolicy.Limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RecyclePolicyTest {

	private static final long MB = 1024 * 1024;

	@Test
	void noLimitIsNeverDue() {
		assertThat(RecyclePolicy.NONE.enabled()).isFalse();
		assertThat(RecyclePolicy.NONE.due(RecyclePolicy.NONE.draw(), Long.MAX_VALUE, Duration.ofDays(365), 10 * MB,
				10 * MB))
			.isNull();
	}

	@Test
	void requestsAgeAndHeapEachMakeAWorkerDue() {
		RecyclePolicy policy = new RecyclePolicy(1000, Duration.ofHours(1), HeapThreshold.parse("80%"), 0,
				new SplittableRandom(1));
		Limits limits = policy.draw();
		assertThat(limits).isEqualTo(new Limits(1000, Duration.ofHours(1)));
		assertThat(policy.describe()).isEqualTo("max-requests 1000, max-age 1h, max-heap-after-gc 80.0%");
		assertThat(new RecyclePolicy(5, null, null, 0.1, new SplittableRandom()).describe())
			.isEqualTo("max-requests 5 (request and age limits raised by up to 10% per worker)");
		assertThat(policy.due(limits, 999, Duration.ofMinutes(59), 80 * MB, 100 * MB)).isNull();
		assertThat(policy.due(limits, 1000, Duration.ZERO, -1, -1))
			.isEqualTo("max-requests: served 1000 requests (limit 1000)");
		assertThat(policy.due(limits, 0, Duration.ofMinutes(61), -1, -1)).isEqualTo("max-age: ran 1h1m (limit 1h)");
		assertThat(policy.due(limits, 0, Duration.ZERO, 81 * MB, 100 * MB))
			.isEqualTo("max-heap-after-gc: 81MB in use after GC (limit 80.0% of 100MB)");
		assertThat(policy.due(limits, 0, Duration.ZERO, -1, 100 * MB)).as("no collection yet").isNull();
		assertThat(policy.due(limits, -1, Duration.ZERO, -1, -1)).as("a worker that does not count").isNull();
	}

	@Test
	void jitterRaisesEachProcessesLimitsByUpToItsFraction() {
		RecyclePolicy policy = new RecyclePolicy(1000, Duration.ofMinutes(10), null, 0.2, new SplittableRandom(7));
		Set<Long> drawn = new HashSet<>();
		for (int i = 0; i < 200; i++) {
			Limits limits = policy.draw();
			assertThat(limits.maxRequests()).isBetween(1000L, 1200L);
			assertThat(limits.maxAge()).isBetween(Duration.ofMinutes(10), Duration.ofMinutes(12));
			drawn.add(limits.maxRequests());
		}
		assertThat(drawn).as("workers do not come due together").hasSizeGreaterThan(100);
	}

	@Test
	void heapThresholdsAreFractionsOrSizes() {
		assertThat(HeapThreshold.parse("0.85")).isEqualTo(new HeapThreshold(0.85, 0));
		assertThat(HeapThreshold.parse("85%")).isEqualTo(new HeapThreshold(0.85, 0));
		assertThat(HeapThreshold.parse("1")).isEqualTo(new HeapThreshold(1, 0));
		assertThat(HeapThreshold.parse("512MB")).isEqualTo(new HeapThreshold(0, 512 * MB));
		assertThat(HeapThreshold.parse(" 2GB ")).isEqualTo(new HeapThreshold(0, 2048 * MB));
		assertThat(new HeapThreshold(0, 512 * MB).exceededBy(513 * MB, -1)).isTrue();
		assertThat(new HeapThreshold(0.5, 0).exceededBy(60 * MB, -1)).as("no maximum heap: no fraction").isFalse();
		for (String bad : new String[] { "0", "1.5", "150%", "512", "lots", "512XB", "", "-0.5" }) {
			assertThatIllegalArgumentException().as(bad)
				.isThrownBy(() -> HeapThreshold.parse(bad))
				.withMessage("'" + bad
						+ "' is neither a fraction of the maximum heap (0.85 or 85%) nor a size with its unit (512MB)");
		}
	}

	@Test
	void badLimitsAreRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RecyclePolicy(-1, null, null, 0, new SplittableRandom()));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RecyclePolicy(0, Duration.ZERO, null, 0, new SplittableRandom()));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RecyclePolicy(0, null, null, 1.5, new SplittableRandom()));
	}

	@Test
	void rssIsReadFromTheStatusFile() {
		assertThat(ProcessMemory.parseRss("Name:\tjava\nVmRSS:\t  262144 kB\nThreads: 3\n")).isEqualTo(256 * MB);
		assertThat(ProcessMemory.parseRss("Name:\tjava\n")).isEqualTo(-1);
		assertThat(ProcessMemory.rssBytes(ProcessHandle.current().pid())).isPositive();
		assertThat(ProcessMemory.rssBytes(-1)).isEqualTo(-1);
	}

}
