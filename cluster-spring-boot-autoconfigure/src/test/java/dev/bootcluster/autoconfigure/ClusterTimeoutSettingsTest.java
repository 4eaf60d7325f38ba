package dev.bootcluster.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.mock.env.MockEnvironment;

import dev.bootcluster.context.ClusterConfigurationException;
import dev.bootcluster.master.ClusterTimeouts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ClusterTimeoutSettings}; the rules as the context sees them are in
 * {@link ClusterAutoConfigurationTest}.
 */
class ClusterTimeoutSettingsTest {

	@Test
	void defaultsAreValidAndTheMasterWaitsForTheDrainThenBootsShutdownPhase() {
		ClusterTimeouts timeouts = ClusterTimeoutSettings.timeouts(new ClusterProperties(), new MockEnvironment());
		assertThat(timeouts).isEqualTo(new ClusterTimeouts(Duration.ofSeconds(120), Duration.ofSeconds(30),
				Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(35), Duration.ofSeconds(30),
				Duration.ofSeconds(1), Duration.ofSeconds(30)));
		assertThat(timeouts.retire()).isEqualTo(Duration.ofSeconds(60));
	}

	@Test
	void shutdownPhaseIsBoundAsBootBindsIt() {
		assertThat(ClusterTimeoutSettings.shutdownPhase(new MockEnvironment())).isEqualTo(Duration.ofSeconds(30));
		assertThat(ClusterTimeoutSettings
			.shutdownPhase(new MockEnvironment().withProperty("spring.lifecycle.timeout-per-shutdown-phase", "45s")))
			.isEqualTo(Duration.ofSeconds(45));
		assertThat(ClusterTimeoutSettings
			.shutdownPhase(new MockEnvironment().withProperty("spring.lifecycle.timeout-per-shutdown-phase", "PT1M")))
			.isEqualTo(Duration.ofMinutes(1));
		// no unit: milliseconds, as Boot's LifecycleProperties
		assertThat(ClusterTimeoutSettings
			.shutdownPhase(new MockEnvironment().withProperty("spring.lifecycle.timeout-per-shutdown-phase", "1500")))
			.isEqualTo(Duration.ofMillis(1500));
	}

	@Test
	void shutdownTimeoutMustExceedTheShutdownPhaseAndSaysWhatItIs() {
		ClusterProperties properties = new ClusterProperties();
		assertThatExceptionOfType(ClusterConfigurationException.class)
			.isThrownBy(() -> ClusterTimeoutSettings.timeouts(properties, Duration.ofSeconds(35)))
			.satisfies((ex) -> {
				assertThat(ex.getProperty()).isEqualTo("cluster.shutdown-timeout");
				assertThat(ex.getValue()).isEqualTo(Duration.ofSeconds(35));
				assertThat(ex.getAccepted()).contains("spring.lifecycle.timeout-per-shutdown-phase (35s)");
			});
		properties.setShutdownTimeout(Duration.ofMillis(35_001));
		assertThat(ClusterTimeoutSettings.timeouts(properties, Duration.ofSeconds(35)).shutdown())
			.isEqualTo(Duration.ofMillis(35_001));
	}

	@Test
	void heartbeatTimeoutOfExactlyThreeIntervalsIsAccepted() {
		ClusterProperties properties = new ClusterProperties();
		properties.getIpc().setHeartbeatInterval(Duration.ofSeconds(2));
		properties.getWorker().setHeartbeatTimeout(Duration.ofSeconds(6));
		ClusterTimeoutSettings.validate(properties);
		properties.getWorker().setHeartbeatTimeout(Duration.ofMillis(5999));
		assertThatExceptionOfType(ClusterConfigurationException.class)
			.isThrownBy(() -> ClusterTimeoutSettings.validate(properties))
			.satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("cluster.worker.heartbeat-timeout"));
	}

	@Test
	void quietPeriodAndKeepAliveJustUnderTheDrainAreAccepted() {
		ClusterProperties properties = new ClusterProperties();
		properties.getRestart().setDrainTimeout(Duration.ofSeconds(10));
		properties.getRestart().setDrainQuietPeriod(Duration.ofSeconds(4));
		properties.getRestart().setKeepAliveTimeout(Duration.ofMillis(5999));
		ClusterTimeoutSettings.validate(properties);
		properties.getRestart().setKeepAliveTimeout(Duration.ofSeconds(6));
		assertThatExceptionOfType(ClusterConfigurationException.class)
			.isThrownBy(() -> ClusterTimeoutSettings.validate(properties))
			.satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("cluster.restart.keep-alive-timeout"));
	}

	@Test
	void statusIsStaleAfterThreeHeartbeatsAndNeverSoonerThanFiveSeconds() {
		assertThat(ClusterTimeoutSettings.statusStaleAfter(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(5));
		assertThat(ClusterTimeoutSettings.statusStaleAfter(Duration.ofMillis(100))).isEqualTo(Duration.ofSeconds(5));
		assertThat(ClusterTimeoutSettings.statusStaleAfter(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(6));
		assertThat(ClusterTimeoutSettings.statusStaleAfter(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(30));
	}

	@ParameterizedTest
	@CsvSource({ "PT0S, 0s", "PT0.5S, 500ms", "PT30S, 30s", "PT90S, 90s", "PT2M, 2m", "PT1H, 1h", "PT-1S, -1s",
			"PT-0.001S, -1ms", "PT29.5S, 29500ms", "PT0.0005S, PT0.0005S" })
	void durationsAreShownAsTheyAreWrittenInProperties(Duration duration, String shown) {
		assertThat(ClusterTimeoutSettings.format(duration)).isEqualTo(shown);
	}

}
