package dev.bootcluster.sample;

import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /} says which worker answered; {@code GET /work} burns CPU like the Node
 * cluster article's {@code for (i = 0; i < 1e7; i++)} loop.
 */
@RestController
class SampleController {

	private static final Log logger = LogFactory.getLog(SampleController.class);

	/** Iterations from which a request logs its start. */
	static final long LONG_WORK = 1_000_000_000L;

	private final String workerId;

	private final String version;

	private final long defaultIterations;

	SampleController(@Value("${cluster.internal.worker-id:0}") String workerId,
			@Value("${sample.version:1}") String version,
			@Value("${sample.work.iterations:10000000}") long iterations) {
		this.workerId = workerId;
		this.version = version;
		this.defaultIterations = iterations;
	}

	@GetMapping("/")
	Map<String, Object> hello() {
		return Map.of("worker", this.workerId, "pid", ProcessHandle.current().pid(), "version", this.version);
	}

	@GetMapping("/work")
	Map<String, Object> work(@RequestParam(required = false) Long iterations) {
		long n = (iterations != null) ? iterations : this.defaultIterations;
		if (n >= LONG_WORK) {
			// a request of a second or more says when it starts (tests stop the cluster
			// under it)
			logger.info("Long /work request started: " + n + " iterations");
		}
		return Map.of("worker", this.workerId, "pid", ProcessHandle.current().pid(), "iterations", n, "result",
				Work.burn(n));
	}

}
