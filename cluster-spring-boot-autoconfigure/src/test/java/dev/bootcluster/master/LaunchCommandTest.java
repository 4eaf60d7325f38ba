package dev.bootcluster.master;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.bootcluster.WorkerEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link LaunchCommand}.
 */
class LaunchCommandTest {

	private static final String JAVA_HOME = "/opt/jdk-17";

	private static final String JAVA = Path.of(JAVA_HOME, "bin", "java").toString();

	@Test
	void javaJar() {
		JvmLaunch launch = launch(List.of("-Xss512k", "-Dspring.profiles.active=prod"), "app.jar", "app.jar --x=1",
				List.of("--x=1"));
		List<String> command = LaunchCommand.build(launch, List.of(), 3);
		assertThat(command).containsExactly(JAVA, "-Xss512k", "-Dspring.profiles.active=prod",
				"-XX:MaxRAMPercentage=18.7", "-jar", "app.jar", "--x=1");
	}

	@Test
	void javaJarWithPath() {
		JvmLaunch launch = launch(List.of(), "target/app.jar", "target/app.jar", List.of());
		assertThat(LaunchCommand.build(launch, List.of(), 2)).containsExactly(JAVA, "-XX:MaxRAMPercentage=25.0", "-jar",
				"target/app.jar");
	}

	@Test
	void javaJarWhosePathHasASpace() {
		String jar = "/opt/my apps/app.jar";
		JvmLaunch launch = launch(List.of(), jar, jar + " --x=1", List.of("--x=1"));
		assertThat(LaunchCommand.build(launch, List.of(), 2)).containsExactly(JAVA, "-XX:MaxRAMPercentage=25.0", "-jar",
				jar, "--x=1");
	}

	@Test
	void javaClassPath() {
		JvmLaunch launch = launch(List.of("-Dfoo=bar"), "a.jar:b.jar", "com.example.Main one two",
				List.of("one", "two"));
		List<String> command = LaunchCommand.build(launch, List.of(), 3);
		assertThat(command).containsExactly(JAVA, "-Dfoo=bar", "-XX:MaxRAMPercentage=18.7", "-cp", "a.jar:b.jar",
				"com.example.Main", "one", "two");
	}

	@Test
	void jarOnClassPathWithMainClassIsNotJavaJar() {
		JvmLaunch launch = launch(List.of(), "app.jar", "org.springframework.boot.loader.launch.JarLauncher",
				List.of());
		assertThat(LaunchCommand.build(launch, List.of(), 2))
			.containsSubsequence("-cp", "app.jar", "org.springframework.boot.loader.launch.JarLauncher")
			.doesNotContain("-jar");
	}

	@Test
	void mainArgumentsAreTakenVerbatimNotSplitFromTheCommand() {
		// sun.java.command joins arguments with spaces; the main arguments keep them
		// apart
		JvmLaunch launch = launch(List.of(), "app.jar", "app.jar --greeting=hello world",
				List.of("--greeting=hello world"));
		List<String> command = LaunchCommand.build(launch, List.of(), 2);
		assertThat(command).endsWith("-jar", "app.jar", "--greeting=hello world");
	}

	@Test
	void springBootRunDropsOptionsThatCannotBeShared() {
		List<String> classPath = new ArrayList<>();
		classPath.add("/home/dev/project/target/classes");
		for (int i = 0; i < 120; i++) {
			classPath.add(
					"/home/dev/.m2/repository/org/example/lib-" + i + "/1.0." + i + "/lib-" + i + "-1.0." + i + ".jar");
		}
		String cp = String.join(":", classPath);
		List<String> jvmArguments = List.of("-XX:TieredStopAtLevel=1",
				"-agentlib:jdwp=transport=dt_socket,server=y,address=5005", "-Dcom.sun.management.jmxremote.port=9010",
				"-Dfile.encoding=UTF-8", "-XX:ArchiveClassesAtExit=app.jsa", "-Xlog:gc:file=gc.log",
				"-XX:StartFlightRecording=filename=x.jfr", "-Dfoo=bar", "-Xss1m");
		JvmLaunch launch = launch(jvmArguments, cp, "com.example.DemoApplication --debug", List.of("--debug"));
		List<String> command = LaunchCommand.build(launch, List.of("-Dextra=1"), 5);
		assertThat(command).containsExactly(JAVA, "-Dfile.encoding=UTF-8", "-Dfoo=bar", "-Xss1m",
				"-XX:MaxRAMPercentage=12.5", "-Dextra=1", "-cp", cp, "com.example.DemoApplication", "--debug");
	}

	@ParameterizedTest
	@ValueSource(strings = { "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005",
			"-Xrunjdwp:transport=dt_socket,address=8000", "-Xdebug", "-Dcom.sun.management.jmxremote.port=9010",
			"-Dcom.sun.management.jmxremote.rmi.port=9011", "-XX:ArchiveClassesAtExit=app.jsa",
			"-XX:AOTCacheOutput=app.aot", "-XX:AOTMode=record", "-XX:AOTConfiguration=app.aotconf",
			"-XX:DumpLoadedClassList=classes.lst", "-Xshare:dump", "-XX:StartFlightRecording",
			"-XX:StartFlightRecording=duration=30s,filename=rec.jfr", "-XX:FlightRecorderOptions=stackdepth=128",
			"-Xloggc:gc.log", "-Xlog:gc*:file=gc.log:time", "-Xlog:gc:gc.log", "-XX:HeapDumpPath=/tmp/dump.hprof",
			"-XX:TieredStopAtLevel=1", "-Dspring.devtools.restart.enabled=false" })
	void optionsThatCannotBeSharedAreDropped(String option) {
		assertThat(LaunchCommand.isSharable(option)).isFalse();
		JvmLaunch launch = launch(List.of("-Dkeep=1", option), "app.jar", "app.jar", List.of());
		assertThat(LaunchCommand.build(launch, List.of(), 2)).doesNotContain(option).contains("-Dkeep=1");
	}

	@ParameterizedTest
	@ValueSource(strings = { "-Dfoo=bar", "-Xss1m", "-Xms256m", "-XX:+UseG1GC", "-Xlog:gc", "-Xlog:gc*:stdout",
			"-Xlog:gc::uptime", "-XX:HeapDumpPath=/tmp/dumps", "-XX:+HeapDumpOnOutOfMemoryError",
			"-Dcom.sun.management.jmxremote", "-XX:TieredStopAtLevel=4", "-javaagent:/opt/agent.jar",
			"--add-opens=java.base/java.lang=ALL-UNNAMED", "-Xshare:auto", "-XX:SharedArchiveFile=app.jsa",
			"-Dspring.profiles.active=prod",
			// each worker decides whether its build's generated code is a worker's
			"-Dspring.aot.enabled=true" })
	void sharableOptionsAreKept(String option) {
		assertThat(LaunchCommand.isSharable(option)).isTrue();
		JvmLaunch launch = launch(List.of(option), "app.jar", "app.jar", List.of());
		assertThat(LaunchCommand.build(launch, List.of(), 2)).contains(option);
	}

	@Test
	void inheritedOptionsKeepTheirOrderAndExtraOptionsComeAfterThem() {
		JvmLaunch launch = launch(List.of("-Dz=1", "-Da=2", "-Dm=3"), "app.jar", "app.jar", List.of());
		List<String> command = LaunchCommand.build(launch, List.of("-Dextra2=b", "-Dextra1=a"), 2);
		assertThat(command).containsExactly(JAVA, "-Dz=1", "-Da=2", "-Dm=3", "-XX:MaxRAMPercentage=25.0", "-Dextra2=b",
				"-Dextra1=a", "-jar", "app.jar");
	}

	@Test
	void extraOptionsAreNotFiltered() {
		// the user asked for them explicitly in cluster.worker.jvm-args
		JvmLaunch launch = launch(List.of(), "app.jar", "app.jar", List.of());
		assertThat(LaunchCommand.build(launch, List.of("-XX:TieredStopAtLevel=1"), 2))
			.contains("-XX:TieredStopAtLevel=1");
	}

	@ParameterizedTest
	@ValueSource(strings = { "-Xmx512m", "-XX:MaxHeapSize=536870912", "-XX:MaxRAMPercentage=40", "-XX:MaxRAM=4g",
			"-XX:MaxRAMFraction=4" })
	void heapSetByInheritedOptionIsKept(String option) {
		JvmLaunch launch = launch(List.of(option), "app.jar", "app.jar", List.of());
		assertThat(LaunchCommand.build(launch, List.of(), 2)).containsExactly(JAVA, option, "-jar", "app.jar");
	}

	@ParameterizedTest
	@ValueSource(strings = { "-Xmx512m", "-XX:MaxHeapSize=536870912", "-XX:MaxRAMPercentage=40", "-XX:MaxRAM=4g" })
	void heapSetByExtraOptionIsKept(String option) {
		JvmLaunch launch = launch(List.of(), "app.jar", "app.jar", List.of());
		List<String> command = LaunchCommand.build(launch, List.of(option), 2);
		assertThat(command).containsExactly(JAVA, option, "-jar", "app.jar");
	}

	@Test
	void heapIsSizedWhenNotSet() {
		JvmLaunch launch = launch(List.of("-Xms128m", "-Xss1m"), "app.jar", "app.jar", List.of());
		assertThat(LaunchCommand.build(launch, List.of("-XX:+UseZGC"), 9)).containsExactly(JAVA, "-Xms128m", "-Xss1m",
				"-XX:MaxRAMPercentage=7.5", "-XX:+UseZGC", "-jar", "app.jar");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "\t" })
	void missingJavaCommandIsRejected(String javaCommand) {
		JvmLaunch launch = launch(List.of(), "app.jar", javaCommand, List.of());
		assertThatIllegalStateException().isThrownBy(() -> LaunchCommand.build(launch, List.of(), 2))
			.withMessageContaining("sun.java.command");
	}

	@Test
	void maxRamPercentageNeverExceedsAQuarterAndAllProcessesFitInThreeQuarters() {
		for (int maxProcesses = 1; maxProcesses <= 257; maxProcesses++) {
			double percentage = LaunchCommand.maxRamPercentage(maxProcesses);
			BigDecimal asPassed = new BigDecimal(String.format(Locale.ROOT, "%.1f", percentage));
			assertThat(percentage).as("workers=%d", maxProcesses).isPositive().isLessThanOrEqualTo(25.0);
			assertThat(asPassed.multiply(BigDecimal.valueOf(maxProcesses + 1L)))
				.as("(%d + 1) x %s", maxProcesses, asPassed)
				.isLessThanOrEqualTo(new BigDecimal("75"));
		}
		assertThat(LaunchCommand.maxRamPercentage(1)).isEqualTo(25.0);
		assertThat(LaunchCommand.maxRamPercentage(2)).isEqualTo(25.0);
		assertThat(LaunchCommand.maxRamPercentage(3)).isEqualTo(18.7);
		assertThat(LaunchCommand.maxRamPercentage(9)).isEqualTo(7.5);
	}

	@Test
	void environmentDropsJvmOptionVariablesAndInheritedClusterVariables() {
		Map<String, String> masterEnvironment = new LinkedHashMap<>();
		masterEnvironment.put("PATH", "/usr/bin");
		masterEnvironment.put("HOME", "/home/app");
		masterEnvironment.put("JAVA_TOOL_OPTIONS", "-Xmx1g");
		masterEnvironment.put("JDK_JAVA_OPTIONS", "-Dx=1");
		masterEnvironment.put("_JAVA_OPTIONS", "-Dy=2");
		masterEnvironment.put("BOOTCLUSTER_WORKER_ID", "9");
		masterEnvironment.put("BOOTCLUSTER_TOKEN", "outer-token");
		masterEnvironment.put("BOOTCLUSTER_MANAGEMENT_PORT", "9999");
		masterEnvironment.put("BOOTCLUSTER_SOMETHING_ELSE", "x");
		JvmLaunch launch = new JvmLaunch(JAVA_HOME, List.of(), "app.jar", "app.jar", List.of(), masterEnvironment);
		WorkerEnvironment worker = new WorkerEnvironment(2, Path.of("/tmp/bootcluster-1-2/master.sock"), "secret", 1234,
				8080, null, 1 << 20, 1000, false);
		Map<String, String> environment = LaunchCommand.environment(launch, worker);
		assertThat(environment).containsEntry("PATH", "/usr/bin")
			.containsEntry("HOME", "/home/app")
			.doesNotContainKeys("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "BOOTCLUSTER_MANAGEMENT_PORT",
					"BOOTCLUSTER_SOMETHING_ELSE")
			.containsAllEntriesOf(worker.toVariables());
		assertThat(environment.keySet().stream().filter(WorkerEnvironment::isClusterVariable))
			.containsExactlyInAnyOrderElementsOf(worker.toVariables().keySet());
		assertThat(WorkerEnvironment.fromVariables(environment)).isEqualTo(worker);
		assertThat(launch.environment()).containsEntry("BOOTCLUSTER_TOKEN", "outer-token");
	}

	@Test
	void environmentRoundTripsManagementPort() {
		JvmLaunch launch = launch(List.of(), "app.jar", "app.jar", List.of());
		WorkerEnvironment worker = new WorkerEnvironment(3, Path.of("/tmp/s.sock"), "t", 42, 8080, 8081, 4096, 250,
				false);
		assertThat(WorkerEnvironment.fromVariables(LaunchCommand.environment(launch, worker))).isEqualTo(worker);
	}

	private static JvmLaunch launch(List<String> jvmArguments, String classPath, String javaCommand,
			List<String> mainArguments) {
		return new JvmLaunch(JAVA_HOME, jvmArguments, classPath, javaCommand, mainArguments,
				Map.of("PATH", "/usr/bin"));
	}

}
