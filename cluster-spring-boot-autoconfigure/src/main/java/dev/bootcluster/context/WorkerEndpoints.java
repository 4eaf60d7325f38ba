package dev.bootcluster.context;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.InvocationContext;
import org.springframework.boot.actuate.endpoint.OperationArgumentResolver;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.ProducibleOperationArgumentResolver;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.ExposableWebEndpoint;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.WebOperation;
import org.springframework.boot.actuate.endpoint.web.WebOperationRequestPredicate;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.util.ClassUtils;
import org.springframework.util.MimeType;

import dev.bootcluster.actuate.WorkerEndpointRelay;
import dev.bootcluster.ipc.IpcException;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.worker.WorkerAgent;

/**
 * One worker's actuator endpoints on demand, whatever worker the connection landed on:
 * {@code GET /actuator/cluster/workers/{id}/{endpoint}/...} asks the master to put the
 * request to worker {@code id}, which invokes the read operation of its own endpoint that
 * the path selects, as its web layer would: only endpoints it exposes over HTTP, with the
 * access it grants them ({@code management.endpoint.<id>.access}), without the request's
 * principal (what needs an authorized caller, such as health details shown
 * {@code when-authorized}, is left out), query parameters not passed.
 * <p>
 * The answering worker writes the body to a file in the cluster's private directory (the
 * socket's, mode 0700) and answers with its path, status and content type; the asking
 * worker streams it to its client and deletes it. So a heap dump (written by the JDK to a
 * file anyway) or a large thread dump never crosses the IPC link, whatever
 * {@code cluster.ipc.max-message-size} is.
 */
public final class WorkerEndpoints implements WorkerEndpointRelay {

	/** The query a worker answers by invoking one of its endpoints. */
	static final String QUERY = "actuator.endpoint";

	private static final String JSON = "application/vnd.spring-boot.actuator.v3+json";

	private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

	private static final boolean REACTOR = ClassUtils.isPresent("reactor.core.publisher.Mono",
			WorkerEndpoints.class.getClassLoader());

	private final WorkerAgent agent;

	private final Path directory;

	private final Duration wait;

	private final Duration timeout;

	/**
	 * Answers the master's endpoint queries from this worker's endpoints, and relays.
	 * @param endpoints the worker's web endpoints (exposed ones, access applied), asked
	 * for each query (Boot's discoverer finds the cluster endpoint, which relays here)
	 * @param json what writes endpoint bodies as JSON (actuator's own mapper)
	 * @param namespace the web server the endpoints are served on
	 * @param agent the worker's link to its master
	 * @param wait how long the master waits for the worker's answer (a heap dump takes
	 * seconds)
	 * @param timeout how long to wait for the master's answer (beyond {@code wait})
	 */
	public WorkerEndpoints(Supplier<Collection<ExposableWebEndpoint>> endpoints, Supplier<JsonMapper> json,
			WebServerNamespace namespace, WorkerAgent agent, Duration wait, Duration timeout) {
		this.agent = agent;
		this.directory = agent.environment().socket().toAbsolutePath().getParent();
		this.wait = wait;
		this.timeout = timeout;
		agent.answer(QUERY, (args) -> invoke(endpoints.get(), json.get(), namespace, args));
	}

	/**
	 * Worker {@code id}'s answer to {@code GET <endpoint path>}: its status, content type
	 * and body (a file deleted once read).
	 */
	@Override
	public WebEndpointResponse<Object> relay(int id, List<String> path) {
		ObjectNode args = NODES.objectNode();
		path.forEach(args.putArray("path")::add);
		Message.Collected collected;
		try {
			collected = this.agent.collect(id, QUERY, args, this.wait, this.wait.plus(this.timeout));
		}
		catch (IpcException ex) {
			return failure(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE, ex.getMessage());
		}
		if (collected.error() != null) {
			return failure(WebEndpointResponse.STATUS_NOT_FOUND, collected.error());
		}
		if (collected.parts().isEmpty()) {
			return failure(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE,
					"worker-" + id + " did not answer within " + this.wait.toMillis() + " ms");
		}
		Message.Part part = collected.parts().get(0);
		JsonNode answer = part.result();
		if (answer == null) {
			return failure(WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR, String.valueOf(part.error()));
		}
		int status = answer.path("status").asInt(WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR);
		String file = answer.path("file").asString(null);
		if (file == null) {
			String error = answer.path("error").asString(null);
			return (error != null) ? failure(status, error) : new WebEndpointResponse<>(status);
		}
		Path body = Path.of(file);
		if (!body.toAbsolutePath().getParent().equals(this.directory)) {
			// only ever a file of the cluster's own directory
			return failure(WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR, "worker-" + id + " answered with " + file);
		}
		return new WebEndpointResponse<>(new DeletedOnceRead(body), status,
				MimeType.valueOf(answer.path("contentType").asString("application/octet-stream")));
	}

	private static WebEndpointResponse<Object> failure(int status, String error) {
		return new WebEndpointResponse<>(Map.of("error", error), status);
	}

	// ---- the answering worker ----

	private JsonNode invoke(Collection<ExposableWebEndpoint> endpoints, JsonMapper json, WebServerNamespace namespace,
			JsonNode args) {
		List<String> path = new ArrayList<>();
		args.path("path").forEach((segment) -> path.add(segment.asString()));
		if (path.isEmpty()) {
			return answer(WebEndpointResponse.STATUS_NOT_FOUND, "No endpoint named: /workers/{id}/{endpoint}");
		}
		String id = path.get(0);
		ExposableWebEndpoint endpoint = endpoints.stream()
			.filter((candidate) -> candidate.getEndpointId().toString().equals(id))
			.findFirst()
			.orElse(null);
		if (endpoint == null) {
			return answer(WebEndpointResponse.STATUS_NOT_FOUND,
					"worker-" + this.agent.workerId() + " exposes no endpoint '" + id + "' over HTTP");
		}
		Selected selected = select(endpoint, path.subList(1, path.size()));
		if (selected == null) {
			return answer(WebEndpointResponse.STATUS_NOT_FOUND, "worker-" + this.agent.workerId() + "'s endpoint '" + id
					+ "' has no read operation at " + String.join("/", path));
		}
		InvocationContext context = new InvocationContext(SecurityContext.NONE, selected.arguments(),
				new ProducibleOperationArgumentResolver(() -> List.of("*/*")),
				OperationArgumentResolver.of(WebServerNamespace.class, () -> namespace));
		Object result;
		try {
			result = selected.operation().invoke(context);
		}
		catch (InvalidEndpointRequestException ex) {
			return answer(WebEndpointResponse.STATUS_BAD_REQUEST, ex.getReason());
		}
		if (REACTOR && result instanceof Publisher<?> publisher) {
			result = Reactive.block(publisher, this.wait);
		}
		int status = (result != null) ? WebEndpointResponse.STATUS_OK : WebEndpointResponse.STATUS_NOT_FOUND;
		String contentType = null;
		Object body = result;
		if (result instanceof WebEndpointResponse<?> response) {
			status = response.getStatus();
			contentType = (response.getContentType() != null) ? response.getContentType().toString() : null;
			body = response.getBody();
		}
		if (body == null) {
			return answer(status, null);
		}
		Collection<String> produces = selected.operation().getRequestPredicate().getProduces();
		if (contentType == null) {
			contentType = produces.isEmpty() ? JSON : produces.iterator().next();
		}
		try {
			return written(status, contentType, body, json);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private JsonNode written(int status, String contentType, Object body, JsonMapper json) throws IOException {
		if (body instanceof Resource resource && resource.isFile()) {
			// a heap dump: the file the endpoint wrote, moved into the private directory
			Path file = this.directory.resolve("relay-" + UUID.randomUUID());
			Files.move(resource.getFile().toPath(), file);
			return file(status, contentType, file);
		}
		Path file = Files.createTempFile(this.directory, "relay-", "");
		if (body instanceof Resource resource) {
			try (InputStream in = resource.getInputStream()) {
				Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
			}
		}
		else if (body instanceof CharSequence text) {
			Files.writeString(file, text, StandardCharsets.UTF_8);
		}
		else if (body instanceof byte[] bytes) {
			Files.write(file, bytes);
		}
		else {
			json.writeValue(file.toFile(), body);
		}
		return file(status, contentType, file);
	}

	private static JsonNode file(int status, String contentType, Path file) {
		ObjectNode answer = NODES.objectNode();
		answer.put("status", status);
		answer.put("contentType", contentType);
		answer.put("file", file.toString());
		return answer;
	}

	private static JsonNode answer(int status, @Nullable String error) {
		ObjectNode answer = NODES.objectNode();
		answer.put("status", status);
		if (error != null) {
			answer.put("error", error);
		}
		return answer;
	}

	/**
	 * The read operation whose path matches {@code rest} (the segments after the
	 * endpoint's), with its selectors' values; JSON preferred where several match (a
	 * thread dump's JSON and text operations).
	 */
	static @Nullable Selected select(ExposableWebEndpoint endpoint, List<String> rest) {
		Selected found = null;
		for (WebOperation operation : endpoint.getOperations()) {
			if (operation.getType() != OperationType.READ) {
				continue;
			}
			Map<String, Object> arguments = match(operation.getRequestPredicate(), endpoint.getRootPath(), rest);
			if (arguments == null) {
				continue;
			}
			Selected candidate = new Selected(operation, arguments);
			if (found == null || (!json(found.operation()) && json(operation))) {
				found = candidate;
			}
		}
		return found;
	}

	private static boolean json(WebOperation operation) {
		Collection<String> produces = operation.getRequestPredicate().getProduces();
		return produces.isEmpty() || produces.stream().anyMatch((type) -> type.contains("json"));
	}

	/** The selector values if {@code rest} matches the operation's path, else null. */
	static @Nullable Map<String, Object> match(WebOperationRequestPredicate predicate, String rootPath,
			List<String> rest) {
		String path = predicate.getPath();
		String own = path.startsWith(rootPath) ? path.substring(rootPath.length()) : path;
		List<String> template = Arrays.stream(own.split("/")).filter((segment) -> !segment.isEmpty()).toList();
		String remaining = predicate.getMatchAllRemainingPathSegmentsVariable();
		Map<String, Object> arguments = new HashMap<>();
		for (int i = 0; i < template.size(); i++) {
			String segment = template.get(i);
			boolean variable = segment.startsWith("{") && segment.endsWith("}");
			String name = variable ? segment.substring(1, segment.length() - 1).replace("*", "") : null;
			if (name != null && name.equals(remaining)) {
				if (i != template.size() - 1 || rest.size() <= i) {
					return null;
				}
				arguments.put(name, rest.subList(i, rest.size()).toArray(new String[0]));
				return arguments;
			}
			if (i >= rest.size()) {
				return null;
			}
			if (name != null) {
				arguments.put(name, rest.get(i));
			}
			else if (!segment.equals(rest.get(i))) {
				return null;
			}
		}
		return (rest.size() == template.size()) ? arguments : null;
	}

	record Selected(WebOperation operation, Map<String, Object> arguments) {
	}

	/** A relayed body: its file is deleted once its stream is closed. */
	static final class DeletedOnceRead extends FileSystemResource {

		DeletedOnceRead(Path file) {
			super(file);
		}

		@Override
		public InputStream getInputStream() throws IOException {
			Path file = getFile().toPath();
			return new FilterInputStream(super.getInputStream()) {

				@Override
				public void close() throws IOException {
					try {
						super.close();
					}
					finally {
						Files.deleteIfExists(file);
					}
				}

			};
		}

	}

	/** Reactive endpoint results (WebFlux), only where Reactor is present. */
	private static final class Reactive {

		static @Nullable Object block(Publisher<?> publisher, Duration wait) {
			return reactor.core.publisher.Mono.from(publisher).block(wait);
		}

	}

}
