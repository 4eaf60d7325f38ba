package dev.bootcluster.testapp.redis;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.bootcluster.testapp.redis.GreetingService.Greeting;

/**
 * {@code GET /cache/{name}}: the (cached) greeting, who looked it up and who answers;
 * {@code PUT /cache/{name}?text=...}: changes it, evicting the cached entry.
 */
@RestController
class GreetingController {

	private final GreetingService greetings;

	GreetingController(GreetingService greetings) {
		this.greetings = greetings;
	}

	@GetMapping("/cache/{name}")
	Map<String, Object> greeting(@PathVariable String name) throws InterruptedException {
		long start = System.nanoTime();
		Greeting greeting = this.greetings.greeting(name);
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("name", greeting.name());
		answer.put("text", greeting.text());
		answer.put("computedBy", greeting.computedBy());
		answer.put("computedAt", greeting.computedAt());
		answer.put("tookMillis", (System.nanoTime() - start) / 1_000_000);
		answer.put("pid", ProcessHandle.current().pid());
		return answer;
	}

	@PutMapping("/cache/{name}")
	Map<String, Object> update(@PathVariable String name, @RequestParam String text) {
		this.greetings.update(name, text);
		return Map.of("name", name, "text", text, "pid", ProcessHandle.current().pid());
	}

}
