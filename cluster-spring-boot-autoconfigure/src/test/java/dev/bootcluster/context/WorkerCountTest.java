package dev.bootcluster.context;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link WorkerCount}.
 */
class WorkerCountTest {

	@ParameterizedTest
	@ValueSource(strings = { "auto", "AUTO", "Auto", "aUtO", " auto", "auto ", "\tauto\n", "  AUTO  " })
	void autoIsTheSuppliedCpuCount(String value) {
		assertThat(WorkerCount.parse(value, () -> 7)).isEqualTo(7);
	}

	@Test
	void autoIsClampedToAtLeastOne() {
		assertThat(WorkerCount.parse("auto", () -> 0)).isEqualTo(1);
		assertThat(WorkerCount.parse("auto", () -> -3)).isEqualTo(1);
	}

	@Test
	void autoIsClampedToAtMostMax() {
		assertThat(WorkerCount.parse("auto", () -> 257)).isEqualTo(256);
		assertThat(WorkerCount.parse("auto", () -> 10_000)).isEqualTo(256);
		assertThat(WorkerCount.parse("auto", () -> 256)).isEqualTo(256);
	}

	@Test
	void autoWithoutSupplierUsesAvailableProcessors() {
		int cpus = Math.max(1, Math.min(WorkerCount.MAX, Runtime.getRuntime().availableProcessors()));
		assertThat(WorkerCount.parse("auto")).isEqualTo(cpus);
	}

	@Test
	void numberDoesNotAskForCpus() {
		assertThat(WorkerCount.parse("3", () -> {
			throw new AssertionError("cpus must not be asked for a number");
		})).isEqualTo(3);
	}

	@Test
	void everyNumberFromOneToMaxIsAccepted() {
		for (int count = 1; count <= 256; count++) {
			assertThat(WorkerCount.parse(Integer.toString(count), () -> 1)).isEqualTo(count);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { " 4", "4 ", " 4\t" })
	void numberMayHaveSurroundingSpaces(String value) {
		assertThat(WorkerCount.parse(value, () -> 1)).isEqualTo(4);
	}

	@ParameterizedTest
	@NullAndEmptySource
	@ValueSource(strings = { "0", "-1", "-256", "257", "1000", "9999", "10000", "2147483648", "99999999999999999999",
			"abc", "auto2", "autos", "max", "1.5", "2e1", "0x10", "+4", "4 4", "four", " ", "\t", "１", "٣" })
	void rejectedValuesNameThePropertyAndTheAcceptedValues(String value) {
		assertThatExceptionOfType(ClusterConfigurationException.class)
			.isThrownBy(() -> WorkerCount.parse(value, () -> 4))
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("cluster.workers");
				assertThat(ex.getValue()).isEqualTo(value);
				assertThat(ex.getAccepted()).contains("auto").contains("1").contains("256");
				assertThat(ex.getMessage()).contains("cluster.workers")
					.contains("'auto' or a whole number from 1 to 256");
			});
	}

}
