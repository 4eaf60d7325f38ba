package dev.bootcluster.sample.e2e;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.bootcluster.sample.e2e.ClusterProcess.RawResponse;

/**
 * A client that keeps its session cookie, as a browser does, and opens a fresh connection
 * for every request ({@code Connection: close}), so the kernel spreads its requests over
 * the workers.
 */
final class Browser {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

	private int port;

	private final SSLContext tls;

	private String cookie;

	/** A browser speaking plain HTTP. */
	Browser(int port) {
		this(port, null);
	}

	/**
	 * @param tls the client side of HTTPS (trusting the server's certificate), or null
	 * for plain HTTP
	 */
	Browser(int port, SSLContext tls) {
		this.port = port;
		this.tls = tls;
	}

	/** The session cookie's value, or null before the server set one. */
	String session() {
		return this.cookie;
	}

	/**
	 * The session's id: Spring Session's cookie value is the id, base64-encoded.
	 */
	String sessionId() {
		return (this.cookie != null)
				? new String(java.util.Base64.getDecoder().decode(this.cookie), StandardCharsets.UTF_8) : null;
	}

	RawResponse get(String path) throws IOException {
		return exchange("GET", path, null, null);
	}

	RawResponse post(String path) throws IOException {
		return exchange("POST", path, "application/x-www-form-urlencoded", "");
	}

	/** GET that must answer 200 with a JSON object. */
	Map<String, Object> getJson(String path) throws IOException {
		RawResponse response = get(path);
		if (response.status() != 200) {
			throw new AssertionError("GET " + path + " answered " + response.status() + ": " + response.body());
		}
		return JSON.readValue(response.body(), new TypeReference<Map<String, Object>>() {
		});
	}

	/**
	 * Logs in through Spring Security's login page (its CSRF token included).
	 * @return the answer to the login form's POST
	 */
	RawResponse login(String username, String password) throws IOException {
		RawResponse page = get("/login");
		Matcher csrf = CSRF.matcher(page.body());
		if (page.status() != 200 || !csrf.find()) {
			throw new AssertionError("no login form: " + page.status() + " " + page.body());
		}
		String form = "username=" + encode(username) + "&password=" + encode(password) + "&_csrf="
				+ encode(csrf.group(1));
		return exchange("POST", "/login", "application/x-www-form-urlencoded", form);
	}

	/**
	 * Points this browser at another port of the same host, keeping its session cookie,
	 * as a browser does (cookies are kept per host, not per port).
	 * @return this browser
	 */
	Browser onPort(int port) {
		this.port = port;
		return this;
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	private RawResponse exchange(String method, String path, String contentType, String body) throws IOException {
		try (Socket socket = (this.tls != null) ? this.tls.getSocketFactory().createSocket() : new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 10_000);
			socket.setSoTimeout(30_000);
			if (socket instanceof SSLSocket ssl) {
				ssl.startHandshake();
			}
			byte[] content = (body != null) ? body.getBytes(StandardCharsets.UTF_8) : new byte[0];
			StringBuilder head = new StringBuilder();
			head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
			head.append("Host: 127.0.0.1:").append(this.port).append("\r\n");
			head.append("Connection: close\r\n");
			if (this.cookie != null) {
				head.append("Cookie: SESSION=").append(this.cookie).append("\r\n");
			}
			if (contentType != null) {
				head.append("Content-Type: ").append(contentType).append("\r\n");
				head.append("Content-Length: ").append(content.length).append("\r\n");
			}
			head.append("\r\n");
			OutputStream out = socket.getOutputStream();
			out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
			out.write(content);
			out.flush();
			RawResponse response = RawResponse.read(new BufferedInputStream(socket.getInputStream()));
			String setCookie = response.headers().get("set-cookie");
			if (setCookie != null && setCookie.startsWith("SESSION=")) {
				String value = setCookie.substring("SESSION=".length(), setCookie.indexOf(';'));
				this.cookie = value.isEmpty() ? null : value;
			}
			return response;
		}
	}

}
