package dev.bootcluster.master;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

/**
 * How the running JVM was started: the inputs from which a worker's command is rebuilt.
 * {@code ProcessHandle.Info.arguments()} is not used because it is empty once the command
 * line exceeds 4096 bytes, as IDE and {@code spring-boot:run} class paths often do.
 *
 * @param javaHome the {@code java.home} of this JVM
 * @param jvmArguments the JVM's input arguments (including any from JAVA_TOOL_OPTIONS)
 * @param classPath {@code java.class.path}
 * @param javaCommand {@code sun.java.command}: main class or jar, then the arguments
 * @param mainArguments the exact arguments {@code main} passed to the application
 * @param environment this process's environment
 */
public record JvmLaunch(String javaHome, List<String> jvmArguments, String classPath, String javaCommand,
		List<String> mainArguments, Map<String, String> environment) {

	public JvmLaunch {
		jvmArguments = List.copyOf(jvmArguments);
		mainArguments = List.copyOf(mainArguments);
		environment = Map.copyOf(environment);
	}

	/** Reads the current JVM's launch. */
	public static JvmLaunch current(List<String> mainArguments) {
		return new JvmLaunch(System.getProperty("java.home"), ManagementFactory.getRuntimeMXBean().getInputArguments(),
				System.getProperty("java.class.path", ""), System.getProperty("sun.java.command", ""), mainArguments,
				System.getenv());
	}

}
