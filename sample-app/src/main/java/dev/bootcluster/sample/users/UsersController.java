package dev.bootcluster.sample.users;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.EventListener;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.bootcluster.messaging.ClusterMessenger;

/**
 * {@code GET /users/count} answers from the count the master broadcast last (no database
 * query in the worker); {@code POST /users?name=…} asks the master to add a user.
 */
@RestController
class UsersController {

	private final AtomicReference<UsersCount> latest = new AtomicReference<>();

	private final ClusterMessenger messenger;

	private final String workerId;

	private final boolean database;

	UsersController(ClusterMessenger messenger, @Value("${cluster.internal.worker-id:0}") String workerId,
			ObjectProvider<DataSource> dataSource) {
		this.messenger = messenger;
		this.workerId = workerId;
		this.database = dataSource.getIfAvailable() != null;
	}

	@EventListener
	void on(UsersCount count) {
		this.latest.set(count);
	}

	@GetMapping("/users/count")
	ResponseEntity<Map<String, Object>> count() {
		UsersCount count = this.latest.get();
		Map<String, Object> body = new LinkedHashMap<>();
		if (count == null) {
			body.put("error", "no count from the master yet");
			body.put("worker", this.workerId);
			return ResponseEntity.status(503).body(body);
		}
		body.put("count", count.count());
		body.put("computedAt", count.computedAt().toString());
		body.put("computedBy", count.computedBy());
		body.put("run", count.run());
		body.put("worker", this.workerId);
		body.put("pid", ProcessHandle.current().pid());
		// whether this process has a DataSource (workers have none: only the master
		// counts)
		body.put("database", this.database);
		return ResponseEntity.ok(body);
	}

	@PostMapping("/users")
	UserAdded add(@RequestParam String name) {
		return this.messenger.request(new AddUser(name), UserAdded.class);
	}

}
