package dev.bootcluster.context;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.aot.AotDetector;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.SpringProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ClusterRoleListener#ignoreSpringAot}: a master or worker started with
 * {@code -Dspring.aot.enabled=true} runs without the build's generated code.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClusterRoleListenerSpringAotTest {

	@AfterEach
	void clear() {
		System.clearProperty(AotDetector.AOT_ENABLED);
		SpringProperties.setProperty(AotDetector.AOT_ENABLED, null);
	}

	@Test
	void theFlagIsTurnedOffAndTheMasterSaysSo(CapturedOutput output) {
		System.setProperty(AotDetector.AOT_ENABLED, "true");
		assertThat(AotDetector.useGeneratedArtifacts()).isTrue();
		ClusterRoleListener.ignoreSpringAot(true);
		assertThat(AotDetector.useGeneratedArtifacts()).isFalse();
		assertThat(output).contains("Spring AOT (spring.aot.enabled=true) is not used in a cluster");
	}

	@Test
	void aWorkerTurnsItOffSilently(CapturedOutput output) {
		System.setProperty(AotDetector.AOT_ENABLED, "true");
		ClusterRoleListener.ignoreSpringAot(false);
		assertThat(AotDetector.useGeneratedArtifacts()).isFalse();
		assertThat(output).doesNotContain("Spring AOT");
	}

	@Test
	void withoutTheFlagNothingChanges(CapturedOutput output) {
		ClusterRoleListener.ignoreSpringAot(true);
		assertThat(SpringProperties.getProperty(AotDetector.AOT_ENABLED)).isNull();
		assertThat(output).doesNotContain("Spring AOT");
	}

}
