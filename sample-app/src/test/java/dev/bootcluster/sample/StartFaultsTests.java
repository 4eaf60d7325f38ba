package dev.bootcluster.sample;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's start faults for the end-to-end tests: a build that fails from its second
 * start on, and a slow start.
 */
class StartFaultsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(FailAfterFirstStart.class, SlowStart.class);

	@Test
	void theCounterCountsEveryStartInItsFile(@TempDir Path temp) throws Exception {
		Path file = temp.resolve("starts");
		assertThat(FailAfterFirstStart.increment(file)).isEqualTo(1);
		assertThat(FailAfterFirstStart.increment(file)).isEqualTo(2);
		assertThat(FailAfterFirstStart.increment(file)).isEqualTo(3);
		assertThat(Files.readString(file)).isEqualTo("3");
	}

	@Test
	void theFirstStartSucceedsAndEveryLaterOneFails(@TempDir Path temp) {
		ApplicationContextRunner counted = this.runner
			.withPropertyValues("sample.fail-after-first-start.counter-file=" + temp.resolve("starts"));
		counted.run((context) -> assertThat(context).hasNotFailed()
			.getBean(FailAfterFirstStart.StartCount.class)
			.isEqualTo(new FailAfterFirstStart.StartCount(1)));
		counted.run((context) -> assertThat(context).getFailure()
			.rootCause()
			.hasMessageContaining("sample.fail-after-first-start: start 2 of this build")
			.hasMessageContaining("fails on purpose"));
	}

	@Test
	void withoutThePropertiesNeitherIsThere() {
		this.runner.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(FailAfterFirstStart.StartCount.class)
			.doesNotHaveBean(ApplicationRunner.class));
	}

	@Test
	void aStartDelayAddsARunner() {
		this.runner.withPropertyValues("sample.start-delay=10ms")
			.run((context) -> assertThat(context).hasSingleBean(ApplicationRunner.class));
	}

}
