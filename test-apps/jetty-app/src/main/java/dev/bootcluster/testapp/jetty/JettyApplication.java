package dev.bootcluster.testapp.jetty;

import java.util.Map;

import jakarta.servlet.http.HttpSession;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * An ordinary Spring MVC application on Jetty: the starter plus {@code cluster.workers}
 * in {@code application.yml}, nothing else of the cluster in its code.
 */
@SpringBootApplication
public class JettyApplication {

	public static void main(String[] args) {
		SpringApplication.run(JettyApplication.class, args);
	}

	@RestController
	static class HelloController {

		private static final Log logger = LogFactory.getLog(HelloController.class);

		private final String worker;

		private final String version;

		HelloController(@Value("${cluster.internal.worker-id:0}") String worker,
				@Value("${app.version:1}") String version) {
			this.worker = worker;
			this.version = version;
		}

		@GetMapping("/")
		Map<String, Object> hello() {
			return Map.of("server", "jetty", "worker", this.worker, "pid", ProcessHandle.current().pid(), "version",
					this.version);
		}

		/** Counts the requests of an HttpSession, as in one JVM. */
		@GetMapping("/session/counter")
		Map<String, Object> counter(HttpSession session) {
			Integer count = (Integer) session.getAttribute("count");
			int next = (count != null) ? count + 1 : 1;
			session.setAttribute("count", next);
			return Map.of("server", "jetty", "count", next, "pid", ProcessHandle.current().pid());
		}

		@GetMapping("/work")
		Map<String, Object> work(@RequestParam(defaultValue = "10000000") long iterations) {
			if (iterations >= 1_000_000_000L) {
				logger.info("Long /work request started: " + iterations + " iterations");
			}
			long x = 0x9E3779B97F4A7C15L ^ iterations;
			for (long i = 0; i < iterations; i++) {
				x ^= x << 13;
				x ^= x >>> 7;
				x ^= x << 17;
			}
			return Map.of("server", "jetty", "pid", ProcessHandle.current().pid(), "result", x);
		}

	}

}
