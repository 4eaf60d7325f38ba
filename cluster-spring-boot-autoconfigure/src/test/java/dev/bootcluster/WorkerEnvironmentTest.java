package dev.bootcluster;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link WorkerEnvironment}.
 */
class WorkerEnvironmentTest {

	private final WorkerEnvironment worker = new WorkerEnvironment(4, Path.of("/tmp/bootcluster-1-x/master.sock"),
			"secret-token", 1234, 8080, 8081, 1 << 20, 1000, true);

	@Test
	void roundTripsThroughVariables() {
		assertThat(WorkerEnvironment.fromVariables(this.worker.toVariables())).isEqualTo(this.worker);
	}

	@Test
	void roundTripsWithoutManagementPort() {
		WorkerEnvironment worker = new WorkerEnvironment(1, Path.of("/s"), "t", 1, 0, null, 64, 1, false);
		assertThat(worker.toVariables()).doesNotContainKey("BOOTCLUSTER_MANAGEMENT_PORT");
		assertThat(WorkerEnvironment.fromVariables(worker.toVariables())).isEqualTo(worker);
	}

	@Test
	void aMasterOfThisVersionSaysItsProtocolAndEarlierOnesAreToldApartByTheirVariables() {
		assertThat(this.worker.protocol()).isEqualTo(WorkerEnvironment.PROTOCOL);
		assertThat(this.worker.compactStoreFrames()).isTrue();
		assertThat(this.worker.queries()).isTrue();
		assertThat(this.worker.pulses()).isTrue();
		assertThat(this.worker.toVariables()).containsEntry("BOOTCLUSTER_COMPACT_STORE_FRAMES", "true")
			.containsEntry("BOOTCLUSTER_PROTOCOL", "4");
		// a master of protocol 3: queries, no pulses
		Map<String, String> third = new HashMap<>(this.worker.toVariables());
		third.put("BOOTCLUSTER_PROTOCOL", "3");
		WorkerEnvironment underThird = WorkerEnvironment.fromVariables(third);
		assertThat(underThird.queries()).isTrue();
		assertThat(underThird.pulses()).isFalse();
		// a master of the version before: compact frames, no protocol variable
		Map<String, String> second = new HashMap<>(this.worker.toVariables());
		second.remove("BOOTCLUSTER_PROTOCOL");
		WorkerEnvironment underSecond = WorkerEnvironment.fromVariables(second);
		assertThat(underSecond.protocol()).isEqualTo(2);
		assertThat(underSecond.compactStoreFrames()).isTrue();
		assertThat(underSecond.queries()).isFalse();
		assertThat(underSecond.pulses()).isFalse();
		// the first version: neither
		Map<String, String> first = new HashMap<>(second);
		first.remove("BOOTCLUSTER_COMPACT_STORE_FRAMES");
		WorkerEnvironment underFirst = WorkerEnvironment.fromVariables(first);
		assertThat(underFirst.protocol()).isEqualTo(1);
		assertThat(underFirst.compactStoreFrames()).isFalse();
		// a protocol-2 worker under this master reads the variable it knows
		assertThat(new WorkerEnvironment(1, Path.of("/s"), "t", 1, 0, null, 64, 1, false, 1).toVariables())
			.containsEntry("BOOTCLUSTER_COMPACT_STORE_FRAMES", "false");
	}

	@Test
	void everyVariableIsAClusterVariable() {
		assertThat(this.worker.toVariables().keySet()).allMatch(WorkerEnvironment::isClusterVariable);
		assertThat(WorkerEnvironment.isClusterVariable("PATH")).isFalse();
		assertThat(WorkerEnvironment.isClusterVariable("MY_BOOTCLUSTER_X")).isFalse();
	}

	@Test
	void processWithoutWorkerIdWasNotStartedByAMaster() {
		assertThat(WorkerEnvironment.fromVariables(Map.of("PATH", "/usr/bin"))).isNull();
	}

	@Test
	void missingVariableIsReported() {
		Map<String, String> variables = new HashMap<>(this.worker.toVariables());
		variables.remove("BOOTCLUSTER_TOKEN");
		assertThatIllegalStateException().isThrownBy(() -> WorkerEnvironment.fromVariables(variables))
			.withMessageContaining("BOOTCLUSTER_TOKEN");
	}

	@Test
	void malformedNumberIsReported() {
		Map<String, String> variables = new HashMap<>(this.worker.toVariables());
		variables.put("BOOTCLUSTER_SERVER_PORT", "eighty");
		assertThatIllegalStateException().isThrownBy(() -> WorkerEnvironment.fromVariables(variables))
			.withMessageContaining("eighty");
	}

	@Test
	void toStringHidesTheToken() {
		assertThat(this.worker.toString()).doesNotContain("secret-token").contains("workerId=4");
	}

}
