package dev.bootcluster.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ApplicationJar}: the private copies workers run.
 */
class ApplicationJarTest {

	@TempDir
	Path temp;

	@Test
	void classPathLaunchHasNoJar() throws IOException {
		assertThat(ApplicationJar.of(List.of("java", "-cp", "app", "Main"), this.temp)).isNull();
		assertThat(ApplicationJar.of(List.of("java", "-jar"), this.temp)).isNull();
	}

	@Test
	void workersRunACopyOfTheJarNotTheJarItself() throws IOException {
		Path jar = write("app.jar", "v1");
		ApplicationJar application = application(jar);
		assertThat(application.source()).isEqualTo(jar.toAbsolutePath());
		assertThat(application.lastGood()).isNotEqualTo(jar).hasContent("v1");
		Files.writeString(jar, "v2");
		assertThat(application.lastGood()).as("a build put in place of the jar does not reach crash restarts")
			.hasContent("v1");
		assertThat(application.candidate()).as("no rollout: the last good build").isEqualTo(application.lastGood());
	}

	@Test
	void aRolloutRunsTheJarOnDiskAndASuccessMakesItTheLastGoodBuild() throws IOException {
		Path jar = write("app.jar", "v1");
		ApplicationJar application = application(jar);
		Path first = application.lastGood();
		Files.writeString(jar, "v2");
		application.prepareCandidate();
		assertThat(application.candidate()).hasContent("v2");
		assertThat(application.lastGood()).hasContent("v1");
		Files.writeString(jar, "v3");
		assertThat(application.candidate()).as("copied when the rollout began").hasContent("v2");
		application.promoteCandidate();
		assertThat(application.lastGood()).hasContent("v2");
		assertThat(first).as("the previous build is removed").doesNotExist();
		assertThat(application.candidate()).isEqualTo(application.lastGood());
	}

	@Test
	void aRolloutThatDidNotSucceedLeavesTheLastGoodBuild() throws IOException {
		Path jar = write("app.jar", "v1");
		ApplicationJar application = application(jar);
		Files.writeString(jar, "broken");
		application.prepareCandidate();
		Path candidate = application.candidate();
		application.discardCandidate();
		assertThat(candidate).doesNotExist();
		assertThat(application.lastGood()).hasContent("v1");
		assertThat(application.candidate()).isEqualTo(application.lastGood());
	}

	@Test
	void withJarReplacesOnlyTheJarArgument() {
		List<String> command = List.of("java", "-Xmx1g", "-jar", "app.jar", "--server.port=0");
		assertThat(ApplicationJar.withJar(command, Path.of("/tmp/good-1.jar"))).containsExactly("java", "-Xmx1g",
				"-jar", "/tmp/good-1.jar", "--server.port=0");
	}

	private ApplicationJar application(Path jar) throws IOException {
		Path copies = Files.createDirectory(this.temp.resolve("copies"));
		return ApplicationJar.of(List.of("java", "-jar", jar.toString()), copies);
	}

	private Path write(String name, String content) throws IOException {
		return Files.writeString(this.temp.resolve(name), content);
	}

}
