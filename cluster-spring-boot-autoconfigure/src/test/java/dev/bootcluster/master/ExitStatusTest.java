package dev.bootcluster.master;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.bootcluster.WorkerExit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ExitStatus}.
 */
class ExitStatusTest {

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			0   | exited normally
			143 | stopped by SIGTERM
			130 | stopped by SIGINT
			137 | killed (SIGKILL)
			134 | killed by signal 6 (SIGABRT)
			139 | killed by signal 11 (SIGSEGV)
			129 | killed by signal 1 (SIGHUP)
			159 | killed by signal 31 (SIGSYS)
			162 | killed by signal 34
			192 | killed by signal 64
			78  | misconfigured (EX_CONFIG)
			1   | exit status 1
			128 | exit status 128
			193 | exit status 193
			255 | exit status 255
			-1  | exit status -1
			""")
	void describe(int status, String description) {
		assertThat(ExitStatus.describe(status)).isEqualTo(description);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			137 | killed (SIGKILL), exit 137
			143 | stopped by SIGTERM, exit 143
			0   | exited normally, exit 0
			78  | misconfigured (EX_CONFIG), exit 78
			1   | exit status 1
			""")
	void explainAddsTheNumberUnlessTheDescriptionIsTheNumber(int status, String explanation) {
		assertThat(ExitStatus.explain(status)).isEqualTo(explanation);
	}

	@Test
	void gracefulStopsAreZeroSigtermAndSigint() {
		assertThat(ExitStatus.isGraceful(0)).isTrue();
		assertThat(ExitStatus.isGraceful(143)).isTrue();
		assertThat(ExitStatus.isGraceful(130)).isTrue();
		assertThat(ExitStatus.isGraceful(137)).isFalse();
		assertThat(ExitStatus.isGraceful(1)).isFalse();
		assertThat(ExitStatus.isGraceful(WorkerExit.MISCONFIGURED)).isFalse();
	}

	@Test
	void signalNamesTheSignalOfA128PlusNStatus() {
		assertThat(ExitStatus.signal(143)).isEqualTo("SIGTERM");
		assertThat(ExitStatus.signal(130)).isEqualTo("SIGINT");
		assertThat(ExitStatus.signal(137)).isEqualTo("SIGKILL");
		assertThat(ExitStatus.signal(162)).isNull();
		assertThat(ExitStatus.signal(0)).isNull();
		assertThat(ExitStatus.signal(1)).isNull();
	}

	@Test
	void misconfiguredIsSysexitsExConfig() {
		assertThat(WorkerExit.MISCONFIGURED).isEqualTo(78);
	}

}
