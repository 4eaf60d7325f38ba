package dev.bootcluster.context;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.aot.AotDetector;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.GeneratedFiles.Kind;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.SpringProperties;
import org.springframework.javapoet.ClassName;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.worker.WorkerAgent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link WorkerAot} and {@link ClusterRoleListener#springAot}: which JVM of a cluster
 * runs a build's Spring AOT code, and what {@code process-aot} writes for a worker's
 * context.
 */
@ExtendWith(OutputCaptureExtension.class)
class WorkerAotTest {

	@TempDir
	Path build;

	@AfterEach
	void clear() {
		System.clearProperty(AotDetector.AOT_ENABLED);
		SpringProperties.setProperty(AotDetector.AOT_ENABLED, null);
	}

	@Test
	void aMasterOfAStandaloneBuildTurnsTheFlagOffAndSaysSo(CapturedOutput output) throws IOException {
		assertThat(keeps(ClusterRole.MASTER, standaloneBuild())).isFalse();
		assertThat(output).contains("Spring AOT (spring.aot.enabled=true) is not used in a cluster");
	}

	@Test
	void aMasterOfAWorkerBuildTurnsItOffForItselfOnly(CapturedOutput output) throws IOException {
		assertThat(keeps(ClusterRole.MASTER, workerBuild())).isFalse();
		assertThat(output).contains("the workers run the build's generated code");
	}

	@Test
	void aWorkerKeepsAWorkersCodeAndDropsTheStandaloneOneSilently(CapturedOutput output) throws IOException {
		assertThat(keeps(ClusterRole.WORKER, workerBuild())).isTrue();
		assertThat(keeps(ClusterRole.WORKER, standaloneBuild())).isFalse();
		assertThat(output).doesNotContain("Spring AOT");
	}

	@Test
	void aStandaloneRunOfAWorkerBuildStartsWithoutIt(CapturedOutput output) throws IOException {
		assertThat(keeps(ClusterRole.STANDALONE, standaloneBuild())).isTrue();
		assertThat(keeps(ClusterRole.STANDALONE, workerBuild())).isFalse();
		assertThat(output).contains("this standalone run starts without it");
	}

	@Test
	void withoutTheFlagNothingChanges(CapturedOutput output) throws IOException {
		assertThat(WorkerAot.offAtStart(false, workerBuild())).isNull();
		ClusterRoleListener.springAot(ClusterRole.MASTER, null);
		assertThat(SpringProperties.getProperty(AotDetector.AOT_ENABLED)).isNull();
		assertThat(output).doesNotContain("Spring AOT");
	}

	@Test
	void theStandInAgentIsLeftOutOfTheGeneratedCodeAndMarksTheBuild() throws IOException {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		WorkerAot.registerStandIn(beanFactory);
		beanFactory.registerBeanDefinition("other", new RootBeanDefinition(String.class));
		assertThat(beanFactory.getBeanNamesForType(WorkerAgent.class, true, false))
			.as("@ConditionalOnBean(WorkerAgent.class) sees it")
			.containsExactly(WorkerAot.AGENT_BEAN);
		WorkerAot aot = new WorkerAot();
		assertThat(aot.isExcludedFromAotProcessing(RegisteredBean.of(beanFactory, WorkerAot.AGENT_BEAN))).isTrue();
		assertThat(aot.isExcludedFromAotProcessing(RegisteredBean.of(beanFactory, "other"))).isFalse();
		BeanFactoryInitializationAotContribution contribution = aot.processAheadOfTime(beanFactory);
		assertThat(contribution).isNotNull();
		InMemoryGeneratedFiles files = new InMemoryGeneratedFiles();
		contribution.applyTo(
				new DefaultGenerationContext(new ClassNameGenerator(ClassName.get(WorkerAotTest.class)), files), null);
		assertThat(files.getGeneratedFileContent(Kind.RESOURCE, WorkerAot.MARKER)).contains("role=WORKER");
	}

	@Test
	void aContextWithoutTheStandInWritesNoMarker() {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		// the real agent is a registered singleton, not a definition
		beanFactory.registerBeanDefinition(WorkerAot.AGENT_BEAN, new RootBeanDefinition(WorkerAgent.class));
		WorkerAot aot = new WorkerAot();
		assertThat(aot.processAheadOfTime(beanFactory)).isNull();
		assertThat(aot.isExcludedFromAotProcessing(RegisteredBean.of(beanFactory, WorkerAot.AGENT_BEAN))).isFalse();
	}

	/**
	 * Starts with the flag on, lets a JVM of {@code role} on {@code build} decide as the
	 * role listener does (at the application's start, then once the role is known), and
	 * tells whether Spring AOT is still on.
	 */
	private static boolean keeps(ClusterRole role, ClassLoader build) {
		SpringProperties.setProperty(AotDetector.AOT_ENABLED, null);
		System.setProperty(AotDetector.AOT_ENABLED, "true");
		assertThat(AotDetector.useGeneratedArtifacts()).isTrue();
		WorkerAot.Mismatch off = WorkerAot.offAtStart(role == ClusterRole.WORKER, build);
		// a non-worker turns a worker's code off before the environment is prepared
		assertThat(off == WorkerAot.Mismatch.WORKER_CODE).isEqualTo(role != ClusterRole.WORKER && hasMarker(build));
		ClusterRoleListener.springAot(role, off);
		return AotDetector.useGeneratedArtifacts();
	}

	private static boolean hasMarker(ClassLoader build) {
		return build.getResource(WorkerAot.MARKER) != null;
	}

	private ClassLoader workerBuild() throws IOException {
		Path classes = Files.createDirectories(this.build.resolve("worker"));
		Path marker = classes.resolve(WorkerAot.MARKER);
		Files.createDirectories(marker.getParent());
		Files.writeString(marker, "role=WORKER\n");
		return loader(classes);
	}

	private ClassLoader standaloneBuild() throws IOException {
		return loader(Files.createDirectories(this.build.resolve("standalone")));
	}

	private static ClassLoader loader(Path classes) throws IOException {
		// no parent: the test's own class path has no marker either way
		return new URLClassLoader(new URL[] { classes.toUri().toURL() }, null);
	}

}
