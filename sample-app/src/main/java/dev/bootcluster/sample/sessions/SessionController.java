package dev.bootcluster.sample.sessions;

import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpSession;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Plain {@code HttpSession} use, written as for one JVM: {@code GET /session/counter}
 * counts the requests of a session ({@code ?maxInactiveSeconds=n} sets its timeout),
 * {@code GET /account} greets the logged-in user ({@link AccountSecurity}),
 * {@code POST /session/unstorable} stores an attribute that cannot be serialized (the
 * request fails, naming it).
 */
@RestController
class SessionController {

	private final String workerId;

	SessionController(@Value("${cluster.internal.worker-id:0}") String workerId) {
		this.workerId = workerId;
	}

	@GetMapping("/session/counter")
	Map<String, Object> counter(HttpSession session, @RequestParam(required = false) Integer maxInactiveSeconds) {
		if (maxInactiveSeconds != null) {
			session.setMaxInactiveInterval(maxInactiveSeconds);
		}
		Integer count = (Integer) session.getAttribute("count");
		int next = (count != null) ? count + 1 : 1;
		session.setAttribute("count", next);
		Map<String, Object> answer = answer("count", next, "session", session.getId());
		answer.put("maxInactiveSeconds", session.getMaxInactiveInterval());
		return answer;
	}

	@GetMapping("/account")
	Map<String, Object> account(Principal principal, HttpSession session) {
		return answer("user", principal.getName(), "session", session.getId());
	}

	@PostMapping("/session/unstorable")
	Map<String, Object> unstorable(HttpSession session) {
		session.setAttribute("basket", new Basket());
		return answer("stored", true, "session", session.getId());
	}

	private Map<String, Object> answer(String key, Object value, String key2, Object value2) {
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put(key, value);
		answer.put(key2, value2);
		answer.put("worker", this.workerId);
		answer.put("pid", ProcessHandle.current().pid());
		return answer;
	}

	/** Not {@code Serializable}: cannot live in a session shared by workers. */
	static final class Basket {

	}

}
