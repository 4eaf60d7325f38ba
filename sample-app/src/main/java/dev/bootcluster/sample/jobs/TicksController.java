package dev.bootcluster.sample.jobs;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.bootcluster.ClusterStore;

/**
 * {@code GET /jobs/ticks}: how often {@link TickJob} ran cluster-wide, and where it ran
 * last ({@code {"ticks":n,"lastWorker":i,"lastPid":p}}, zeros before the first tick).
 */
@RestController
class TicksController {

	private final ClusterStore store;

	TicksController(ClusterStore store) {
		this.store = store;
	}

	@GetMapping("/jobs/ticks")
	Map<String, Object> ticks() {
		TickJob.Ticks ticks = TickJob.Ticks.read(this.store);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("ticks", (ticks != null) ? ticks.ticks() : 0);
		body.put("lastWorker", (ticks != null) ? ticks.lastWorker() : 0);
		body.put("lastPid", (ticks != null) ? ticks.lastPid() : 0);
		return body;
	}

}
