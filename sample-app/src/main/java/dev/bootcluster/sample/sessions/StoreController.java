package dev.bootcluster.sample.sessions;

import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.bootcluster.ClusterStore;
import dev.bootcluster.ClusterStoreFullException;
import dev.bootcluster.ClusterStoreValueTooLargeException;

/**
 * The cluster store used directly: {@code PUT /store/{key}} keeps the body's bytes (no
 * TTL), {@code GET /store/{key}} returns their length, {@code DELETE} removes them. A
 * full store answers 507 and a value over the IPC message limit 413, each with the
 * store's message.
 */
@RestController
class StoreController {

	private final ClusterStore store;

	StoreController(ClusterStore store) {
		this.store = store;
	}

	@PutMapping("/store/{key}")
	ResponseEntity<Map<String, Object>> put(@PathVariable String key, @RequestBody byte[] value) {
		try {
			this.store.put("sample:" + key, value, null);
			return ResponseEntity.ok(Map.of("stored", value.length, "pid", ProcessHandle.current().pid()));
		}
		catch (ClusterStoreFullException ex) {
			return error(HttpStatus.INSUFFICIENT_STORAGE, ex);
		}
		catch (ClusterStoreValueTooLargeException ex) {
			return error(HttpStatus.CONTENT_TOO_LARGE, ex);
		}
	}

	@GetMapping("/store/{key}")
	ResponseEntity<Map<String, Object>> get(@PathVariable String key) {
		byte[] value = this.store.get("sample:" + key);
		return (value != null) ? ResponseEntity.ok(Map.of("length", value.length, "pid", ProcessHandle.current().pid()))
				: ResponseEntity.notFound().build();
	}

	@DeleteMapping("/store/{key}")
	Map<String, Object> delete(@PathVariable String key) {
		return Map.of("deleted", this.store.delete("sample:" + key));
	}

	private static ResponseEntity<Map<String, Object>> error(HttpStatus status, RuntimeException ex) {
		return ResponseEntity.status(status)
			.body(Map.of("error", ex.getClass().getSimpleName(), "message", String.valueOf(ex.getMessage())));
	}

}
