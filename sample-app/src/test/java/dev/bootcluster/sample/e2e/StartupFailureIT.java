package dev.bootcluster.sample.e2e;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Startup misconfiguration fails fast, with a failure-analyzer message, leaving nothing
 * running.
 */
class StartupFailureIT extends ClusterTestSupport {

	@Test
	void aPortHeldByAnotherProgramFailsTheStartWithNoWorkerLeft() throws Exception {
		try (ServerSocket other = new ServerSocket()) {
			other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			int port = other.getLocalPort();
			this.cluster = ClusterProcess.start("--server.port=" + port, "--cluster.workers=2");
			int status = this.cluster.awaitExit(Duration.ofSeconds(60));
			String output = String.join("\n", this.cluster.output());
			assertThat(status).as(output).isNotZero();
			assertThat(output).contains("APPLICATION FAILED TO START")
				.contains("port " + port + " (server.port) is already in use")
				.contains("No worker was started")
				.doesNotContain("[worker-");
			assertThat(this.cluster.allSeenPids()).allMatch(ClusterProcess::isGone);
		}
	}

	@Test
	void anInvalidWorkerCountNamesThePropertyAndTheAcceptedValues() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=0");
		int status = this.cluster.awaitExit(Duration.ofSeconds(60));
		String output = String.join("\n", this.cluster.output());
		assertThat(status).as(output).isNotZero();
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Invalid value '0' for property 'cluster.workers'")
			.contains("'auto' or a whole number from 1 to 256")
			.doesNotContain("[worker-");
	}

	@Test
	void aSlotThatCrashesInALoopIsMarkedFailedWithItsLastLines() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=1", "--sample.fail-on-start=true",
				"--cluster.worker.crash-loop.max-crashes=2");
		org.awaitility.Awaitility.await()
			.atMost(ClusterProcess.STARTUP)
			.until(() -> this.cluster.countLines("worker-1 FAILED") > 0);
		// the report is one multi-line log event: wait until its lines have been read,
		// too
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			List<String> output = this.cluster.output();
			int failedAt = indexOf(output, "worker-1 FAILED");
			assertThat(output.get(failedAt)).contains("crashed 2 times within 60 s")
				.contains("cluster.worker.crash-loop.max-crashes=2")
				.contains("last exit status 1");
			// the report carries the worker's last lines, including why it failed
			assertThat(output.subList(failedAt, output.size()))
				.anySatisfy((line) -> assertThat(line).contains("this build is broken on purpose"));
		});
		assertThat(this.cluster.countLines("Restarting worker-1 in 100 ms")).isEqualTo(1);
		// the master stays up, serving nothing, without retrying forever
		assertThat(this.cluster.master().isAlive()).isTrue();
		assertThat(this.cluster.workerPids()).isEmpty();
	}

	/**
	 * A listener the workers cannot share (here a second plain Tomcat connector, as an
	 * HTTP to HTTPS redirect adds one): every worker fails its start with the reason and
	 * exit status 78, and the master stops the cluster (exit 1, port released) instead of
	 * restarting them.
	 */
	@Test
	void aWorkerThatCannotShareItsListenerStopsTheClusterInsteadOfACrashLoop() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2", "--sample.redirect-port=0");
		int status = this.cluster.awaitExit(ClusterProcess.STARTUP);
		String output = String.join("\n", this.cluster.output());
		assertThat(status).as(output).isEqualTo(1);
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("not the starter's SO_REUSEPORT NIO protocol, so the workers cannot share its port")
			.contains("exited misconfigured (EX_CONFIG, exit 78) before it was READY")
			.contains("Stopping the cluster")
			.doesNotContain("Restarting worker");
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(15))
			.until(() -> this.cluster.allSeenPids().stream().allMatch(ClusterProcess::isGone));
	}

	private static int indexOf(List<String> lines, String fragment) {
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).contains(fragment)) {
				return i;
			}
		}
		throw new AssertionError("no line contains " + fragment);
	}

}
