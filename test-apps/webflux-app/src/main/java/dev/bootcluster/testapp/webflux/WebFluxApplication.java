package dev.bootcluster.testapp.webflux;

import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.WebSession;

/**
 * An ordinary WebFlux application on Reactor Netty (no servlet API on its class path):
 * the starter plus {@code cluster.workers} in {@code application.yml}, nothing else of
 * the cluster in its code.
 */
@SpringBootApplication
public class WebFluxApplication {

	public static void main(String[] args) {
		SpringApplication.run(WebFluxApplication.class, args);
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
		Mono<Map<String, Object>> hello() {
			return Mono.just(Map.of("server", "netty", "worker", this.worker, "pid", ProcessHandle.current().pid(),
					"version", this.version));
		}

		/** Counts the requests of a WebSession, as in one JVM. */
		@GetMapping("/session/counter")
		Mono<Map<String, Object>> counter(WebSession session) {
			Integer count = session.getAttribute("count");
			int next = (count != null) ? count + 1 : 1;
			session.getAttributes().put("count", next);
			return Mono.just(Map.of("server", "netty", "count", next, "pid", ProcessHandle.current().pid()));
		}

		/** CPU work off the event loop, as a WebFlux app should do it. */
		@GetMapping("/work")
		Mono<Map<String, Object>> work(@RequestParam(defaultValue = "10000000") long iterations) {
			return Mono.fromCallable(() -> {
				if (iterations >= 1_000_000_000L) {
					logger.info("Long /work request started: " + iterations + " iterations");
				}
				long x = 0x9E3779B97F4A7C15L ^ iterations;
				for (long i = 0; i < iterations; i++) {
					x ^= x << 13;
					x ^= x >>> 7;
					x ^= x << 17;
				}
				return Map.<String, Object>of("server", "netty", "pid", ProcessHandle.current().pid(), "result", x);
			}).subscribeOn(Schedulers.boundedElastic());
		}

	}

}
