package dev.bootcluster.testapp.redis;

import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpSession;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Plain {@code HttpSession} use: {@code GET /session/counter} counts the requests of a
 * session, {@code GET /account} greets the logged-in user.
 */
@RestController
class SessionController {

	@GetMapping("/session/counter")
	Map<String, Object> counter(HttpSession session) {
		Integer count = (Integer) session.getAttribute("count");
		int next = (count != null) ? count + 1 : 1;
		session.setAttribute("count", next);
		return answer("count", next, session);
	}

	@GetMapping("/account")
	Map<String, Object> account(Principal principal, HttpSession session) {
		return answer("user", principal.getName(), session);
	}

	private static Map<String, Object> answer(String key, Object value, HttpSession session) {
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put(key, value);
		answer.put("session", session.getId());
		answer.put("pid", ProcessHandle.current().pid());
		return answer;
	}

}
