package dev.bootcluster.context;

import java.util.List;

/**
 * What the user's run handed over to the master context: the original arguments (for
 * rebuilding the worker command), the worker count and the resolved ports.
 *
 * @param mainArguments arguments the application's {@code main} passed to
 * {@code SpringApplication.run}
 * @param workers workers to run
 * @param ports ports the workers share
 * @param server the embedded web server the workers run
 */
public record MasterLaunch(List<String> mainArguments, int workers, ListenPorts ports, WorkerWebServerKind server) {

	public MasterLaunch {
		mainArguments = List.copyOf(mainArguments);
	}

}
