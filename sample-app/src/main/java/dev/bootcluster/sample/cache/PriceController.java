package dev.bootcluster.sample.cache;

import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /prices/{id}}: the (cached) price, and which worker answered; {@code POST
 * /prices/{id}}: raises its version and evicts it everywhere.
 */
@RestController
class PriceController {

	private final PriceService prices;

	PriceController(PriceService prices) {
		this.prices = prices;
	}

	@GetMapping("/prices/{id}")
	Map<String, Object> price(@PathVariable String id) throws InterruptedException {
		return Map.of("price", this.prices.price(id), "answeredBy", answeredBy());
	}

	@PostMapping("/prices/{id}")
	Map<String, Object> update(@PathVariable String id) {
		return Map.of("version", this.prices.update(id), "answeredBy", answeredBy());
	}

	private static Map<String, Object> answeredBy() {
		return Map.of("pid", ProcessHandle.current().pid());
	}

}
