package dev.bootcluster.master;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

import dev.bootcluster.WorkerEnvironment;

/**
 * Rebuilds the command that starts a worker: the same Java, JVM options, class path or
 * jar, main class and arguments as the master, less the options that cannot be shared
 * between JVMs, plus a per-worker heap size and the user's
 * {@code cluster.worker.jvm-args}.
 */
public final class LaunchCommand {

	/**
	 * Environment variables whose options the JVM already lists among its input
	 * arguments.
	 */
	static final List<String> JVM_OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

	private static final List<Predicate<String>> NOT_SHARABLE = List.of(
			// a debug agent port can be bound once
			startsWith("-agentlib:jdwp"), startsWith("-Xrunjdwp"), is("-Xdebug"),
			// a JMX port can be bound once
			startsWith("-Dcom.sun.management.jmxremote.port="), startsWith("-Dcom.sun.management.jmxremote.rmi.port="),
			// dump files would be clobbered by every worker
			startsWith("-XX:ArchiveClassesAtExit"), startsWith("-XX:AOTCacheOutput"), is("-XX:AOTMode=record"),
			startsWith("-XX:AOTConfiguration"), startsWith("-XX:DumpLoadedClassList"), is("-Xshare:dump"),
			startsWith("-XX:StartFlightRecording"), startsWith("-XX:FlightRecorderOptions"), startsWith("-Xloggc:"),
			LaunchCommand::logsToFile, (arg) -> arg.startsWith("-XX:HeapDumpPath=") && arg.endsWith(".hprof"),
			// spring-boot:run's fast-start option costs peak throughput in long-running
			// workers
			is("-XX:TieredStopAtLevel=1"),
			// the master's own internal flags
			startsWith("-Dspring.devtools.restart"));

	private static final List<String> HEAP_OPTIONS = List.of("-Xmx", "-XX:MaxHeapSize=", "-XX:MaxRAMPercentage=",
			"-XX:MaxRAM=", "-XX:MaxRAMFraction=");

	private LaunchCommand() {
	}

	/**
	 * The worker command.
	 * @param launch how the master was started
	 * @param extraJvmArguments {@code cluster.worker.jvm-args}, added after the inherited
	 * ones
	 * @param maxProcesses workers that may run at once (N, plus one during a rolling
	 * restart)
	 */
	public static List<String> build(JvmLaunch launch, List<String> extraJvmArguments, int maxProcesses) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(launch.javaHome(), "bin", "java").toString());
		launch.jvmArguments().stream().filter(LaunchCommand::isSharable).forEach(command::add);
		if (!setsHeap(launch.jvmArguments()) && !setsHeap(extraJvmArguments)) {
			command.add("-XX:MaxRAMPercentage=" + String.format(Locale.ROOT, "%.1f", maxRamPercentage(maxProcesses)));
		}
		command.addAll(extraJvmArguments);
		String javaCommand = launch.javaCommand().trim();
		String classPath = launch.classPath();
		if (javaCommand.isEmpty()) {
			throw new IllegalStateException("Cannot rebuild the worker command: sun.java.command is not set "
					+ "(start the application with java -jar, java -cp or mvn spring-boot:run)");
		}
		// decide -jar before splitting: the jar path may contain spaces, a main class
		// cannot
		if (classPath.endsWith(".jar") && (javaCommand.equals(classPath) || javaCommand.startsWith(classPath + " "))) {
			command.add("-jar");
			command.add(classPath);
		}
		else {
			command.add("-cp");
			command.add(classPath);
			command.add(javaCommand.split("\\s+", 2)[0]);
		}
		command.addAll(launch.mainArguments());
		return command;
	}

	/**
	 * The worker environment: the master's, less the variables the JVM already turned
	 * into input arguments and less any cluster variables of an enclosing cluster.
	 */
	public static Map<String, String> environment(JvmLaunch launch, WorkerEnvironment worker) {
		Map<String, String> environment = environment(launch);
		environment.putAll(worker.toVariables());
		return environment;
	}

	/**
	 * The environment of the master's other JVMs (the startup cache's): the master's,
	 * less the variables the JVM already turned into input arguments and less any cluster
	 * variables.
	 */
	public static Map<String, String> environment(JvmLaunch launch) {
		Map<String, String> environment = new java.util.HashMap<>(launch.environment());
		environment.keySet()
			.removeIf((name) -> JVM_OPTION_VARIABLES.contains(name) || WorkerEnvironment.isClusterVariable(name));
		return environment;
	}

	/**
	 * Max heap per worker as a percentage of the (container-aware) memory: the master and
	 * {@code maxProcesses} workers share three quarters of it, and no worker takes the
	 * JVM default quarter.
	 */
	static double maxRamPercentage(int maxProcesses) {
		return Math.min(25.0, Math.floor(750.0 / (maxProcesses + 1)) / 10.0);
	}

	static boolean isSharable(String argument) {
		return NOT_SHARABLE.stream().noneMatch((rule) -> rule.test(argument));
	}

	/**
	 * {@code -Xlog:<what>:<output>...} where the output is a file ({@code file=x} or a
	 * bare name).
	 */
	static boolean logsToFile(String argument) {
		if (!argument.startsWith("-Xlog:")) {
			return false;
		}
		String[] parts = argument.split(":", 4);
		if (parts.length < 3) {
			return false;
		}
		String output = parts[2];
		return !output.isEmpty() && !output.equals("stdout") && !output.equals("stderr");
	}

	static boolean setsHeap(List<String> arguments) {
		return arguments.stream().anyMatch((arg) -> HEAP_OPTIONS.stream().anyMatch(arg::startsWith));
	}

	private static Predicate<String> startsWith(String prefix) {
		return (arg) -> arg.startsWith(prefix);
	}

	private static Predicate<String> is(String option) {
		return option::equals;
	}

}
