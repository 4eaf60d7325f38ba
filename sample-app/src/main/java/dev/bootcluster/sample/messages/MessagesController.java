package dev.bootcluster.sample.messages;

import org.apache.commons.logging.LogFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.bootcluster.messaging.BroadcastResult;
import dev.bootcluster.messaging.ClusterMessageEvent;
import dev.bootcluster.messaging.ClusterMessenger;

/**
 * Broadcasts between workers: {@code POST /messages?text=…[&retained=true]} sends a
 * {@link Note} to every worker; {@code GET /messages} shows what this worker received
 * (typed notes, and untyped messages such as those from
 * {@code POST /actuator/cluster/broadcast}).
 */
@RestController
class MessagesController {

	private final List<Note> notes = new CopyOnWriteArrayList<>();

	private final List<Map<String, Object>> untyped = new CopyOnWriteArrayList<>();

	private final ClusterMessenger messenger;

	private final String workerId;

	MessagesController(ClusterMessenger messenger, @Value("${cluster.internal.worker-id:0}") String workerId) {
		this.messenger = messenger;
		this.workerId = workerId;
	}

	private final List<Map<String, Object>> echoes = new CopyOnWriteArrayList<>();

	/**
	 * Every worker answers a note starting with {@code ping:} with a {@code pong:} note
	 * to every worker, broadcast from this listener.
	 */
	@EventListener
	void on(Note note) {
		this.notes.add(note);
		if (note.text().startsWith("ping:")) {
			BroadcastResult result = this.messenger
				.broadcast(new Note("pong:" + note.text().substring(5) + ":" + this.workerId, this.workerId));
			this.echoes.add(Map.of("acknowledged", result.acknowledged(), "targets", result.targets()));
		}
	}

	@EventListener
	void on(ClusterMessageEvent message) {
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("topic", message.topic());
		entry.put("sender", message.sender());
		entry.put("json", message.json());
		entry.put("retained", message.retained());
		this.untyped.add(entry);
	}

	@PostMapping("/messages")
	Map<String, Object> broadcast(@RequestParam String text, @RequestParam(defaultValue = "false") boolean retained) {
		Note note = new Note(text, this.workerId);
		BroadcastResult result = retained ? this.messenger.broadcastRetained(note) : this.messenger.broadcast(note);
		return Map.of("acknowledged", result.acknowledged(), "targets", result.targets(), "worker", this.workerId);
	}

	/**
	 * What this worker received, and whether this class logs at DEBUG (a level set
	 * through {@code /actuator/loggers} on any worker applies to every worker).
	 */
	@GetMapping("/messages")
	Map<String, Object> received() {
		return Map.of("worker", this.workerId, "pid", ProcessHandle.current().pid(), "notes", this.notes, "untyped",
				this.untyped, "echoes", this.echoes, "debugEnabled",
				LogFactory.getLog(MessagesController.class).isDebugEnabled());
	}

}
