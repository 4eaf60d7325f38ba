package dev.bootcluster.actuate;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;
import dev.bootcluster.StoreStats;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.ipc.IpcException;
import dev.bootcluster.messaging.BroadcastResult;
import dev.bootcluster.messaging.ClusterMessagingException;
import dev.bootcluster.messaging.ClusterMessenger;
import dev.bootcluster.messaging.PayloadTooLargeException;

/**
 * {@code /actuator/cluster}: the master's view of the cluster, asked from whichever
 * worker answered. Read-only by default; the starter never changes exposure.
 */
@Endpoint(id = "cluster", defaultAccess = Access.READ_ONLY)
public class ClusterEndpoint {

	/** Actions of {@code POST /actuator/cluster/{action}}. */
	static final List<String> ACTIONS = List.of("restart", "broadcast", "scale");

	/** HTTP status of a payload over {@code cluster.ipc.max-message-size}. */
	static final int STATUS_PAYLOAD_TOO_LARGE = 413;

	private final ClusterOperations operations;

	private final @Nullable ClusterMessenger messenger;

	private final Supplier<@Nullable WorkerEndpointRelay> workerEndpoints;

	private final BooleanSupplier writeAccess;

	public ClusterEndpoint(ClusterOperations operations, @Nullable ClusterMessenger messenger) {
		this(operations, messenger, () -> null);
	}

	public ClusterEndpoint(ClusterOperations operations, @Nullable ClusterMessenger messenger,
			Supplier<@Nullable WorkerEndpointRelay> workerEndpoints) {
		this(operations, messenger, workerEndpoints, () -> false);
	}

	/**
	 * @param operations the cluster's operations
	 * @param messenger what broadcasts, if any
	 * @param workerEndpoints the relay to one worker's endpoints (null in a standalone
	 * application), looked up when asked (it depends on the endpoints this one is among)
	 * @param writeAccess whether the write operation is open, for the live page's
	 * controls
	 */
	public ClusterEndpoint(ClusterOperations operations, @Nullable ClusterMessenger messenger,
			Supplier<@Nullable WorkerEndpointRelay> workerEndpoints, BooleanSupplier writeAccess) {
		this.operations = operations;
		this.messenger = messenger;
		this.workerEndpoints = workerEndpoints;
		this.writeAccess = writeAccess;
	}

	@ReadOperation
	public WebEndpointResponse<Object> status() {
		AnsweredBy answeredBy = answeredBy();
		try {
			ClusterSnapshot snapshot = this.operations.status();
			return new WebEndpointResponse<>(new ClusterDescriptor(snapshot.role(), snapshot.masterPid(),
					snapshot.masterRssBytes(), snapshot.desired(), snapshot.ready(), snapshot.restarts(),
					snapshot.port(), snapshot.listener(), snapshot.tcpMigrateReq(), snapshot.workers(),
					snapshot.restart(), snapshot.store(), answeredBy));
		}
		catch (IpcException ex) {
			return new WebEndpointResponse<>(new Failure(ex.getMessage(), answeredBy),
					WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
	}

	/**
	 * {@code GET /actuator/cluster/ui}: a live page of the cluster (see
	 * {@link ClusterPage}), with the restart, scale and broadcast controls only when the
	 * write operation is open.
	 */
	@ReadOperation(produces = "text/html;charset=UTF-8")
	public WebEndpointResponse<String> page(@Selector String page) {
		if (!ClusterPage.NAME.equals(page)) {
			return new WebEndpointResponse<>(
					"No such page: " + page + "; the cluster's page is /actuator/cluster/" + ClusterPage.NAME,
					WebEndpointResponse.STATUS_NOT_FOUND);
		}
		return new WebEndpointResponse<>(ClusterPage.render(this.writeAccess.getAsBoolean()), 200);
	}

	/**
	 * {@code GET /actuator/cluster/workers/{id}/{endpoint}/...}: worker {@code id}'s own
	 * answer to {@code GET /actuator/{endpoint}/...}, relayed through the master whatever
	 * worker the connection landed on (see {@code WorkerEndpoints}): a thread dump, a
	 * heap dump as a download, loggers, env, metrics, health of that one worker.
	 */
	@ReadOperation(produces = { "application/vnd.spring-boot.actuator.v3+json", "application/json", "text/plain",
			"application/octet-stream" })
	public WebEndpointResponse<Object> worker(@Selector String workers, @Selector String id,
			@Selector(match = Selector.Match.ALL_REMAINING) String... path) {
		if (!"workers".equals(workers)) {
			return new WebEndpointResponse<>(
					new Failure("No such path: /" + workers + "/...; one worker's endpoint is /workers/{id}/{endpoint}",
							answeredBy()),
					WebEndpointResponse.STATUS_NOT_FOUND);
		}
		WorkerEndpointRelay relay = this.workerEndpoints.get();
		if (relay == null) {
			return new WebEndpointResponse<>(
					new Failure("This " + this.operations.role() + " application has no workers", answeredBy()),
					WebEndpointResponse.STATUS_NOT_FOUND);
		}
		int slot;
		try {
			slot = Integer.parseInt(id);
		}
		catch (NumberFormatException ex) {
			slot = 0;
		}
		if (slot < 1) {
			return badRequest("A worker id is a slot number from 1, not '" + id + "'", answeredBy());
		}
		return relay.relay(slot, List.of(path));
	}

	/**
	 * One write operation for every action, as actuator allows one operation per path and
	 * method (and body type: {@link #actionWithoutBody} takes the requests without a JSON
	 * body). {@code restart} starts a rolling restart (202 with the operation; 409 with
	 * the running one). {@code broadcast} delivers {@code payload} (a JSON text in a
	 * string: actuator binds body fields as strings) under {@code topic} to every ready
	 * worker, retained if {@code retained} is {@code "true"}; receivers get it as a
	 * {@code ClusterMessageEvent}, or as the class {@code type} names when they know it.
	 * Answers 200 with how many workers acknowledged it. {@code scale} sets the number of
	 * workers to {@code workers} (1 to 256): 202 with the count before and now; the
	 * master starts workers or drains the surplus, and the status shows them coming and
	 * going.
	 */
	@WriteOperation
	public WebEndpointResponse<Object> action(@Selector String action, @Nullable String topic, @Nullable String payload,
			@Nullable String retained, @Nullable String type, @Nullable String workers) {
		AnsweredBy answeredBy = answeredBy();
		if ("broadcast".equals(action)) {
			return broadcast(topic, payload, retained, type, answeredBy);
		}
		if ("scale".equals(action)) {
			return scale(workers, answeredBy);
		}
		if (!"restart".equals(action)) {
			return new WebEndpointResponse<>(
					new Failure("Unknown action '" + action + "'; actions are " + ACTIONS, answeredBy),
					WebEndpointResponse.STATUS_NOT_FOUND);
		}
		try {
			ClusterOperations.RestartOutcome outcome = this.operations
				.restart("POST /actuator/cluster/restart via " + describe(answeredBy));
			return new WebEndpointResponse<>(new RestartAccepted(outcome.started(), outcome.operation(), answeredBy),
					outcome.started() ? 202 : 409);
		}
		catch (UnsupportedOperationException ex) {
			return new WebEndpointResponse<>(new Failure(ex.getMessage(), answeredBy), 409);
		}
		catch (IpcException ex) {
			return new WebEndpointResponse<>(new Failure(ex.getMessage(), answeredBy),
					WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
	}

	/**
	 * {@link #action} for a request without a JSON body, as
	 * {@code curl -X POST .../restart} sends: actuator maps an operation that has body
	 * parameters to JSON requests only (415 otherwise).
	 */
	@WriteOperation
	public WebEndpointResponse<Object> actionWithoutBody(@Selector String action) {
		return action(action, null, null, null, null, null);
	}

	private WebEndpointResponse<Object> scale(@Nullable String workers, AnsweredBy answeredBy) {
		if (workers == null || workers.isBlank()) {
			return badRequest("'workers' is required: the number of workers to run, as in {\"workers\": 4}",
					answeredBy);
		}
		int count;
		try {
			count = Integer.parseInt(workers.trim());
		}
		catch (NumberFormatException ex) {
			return badRequest("'workers' must be a whole number from 1 to 256, was '" + workers + "'", answeredBy);
		}
		try {
			ClusterOperations.ScaleOutcome outcome = this.operations.scale(count,
					"POST /actuator/cluster/scale via " + describe(answeredBy));
			return new WebEndpointResponse<>(new Scaled(outcome.previous(), outcome.desired(), answeredBy), 202);
		}
		catch (IllegalArgumentException ex) {
			return badRequest(ex.getMessage(), answeredBy);
		}
		catch (IllegalStateException | UnsupportedOperationException ex) {
			return new WebEndpointResponse<>(new Failure(ex.getMessage(), answeredBy), 409);
		}
		catch (IpcException ex) {
			return new WebEndpointResponse<>(new Failure(ex.getMessage(), answeredBy),
					WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
	}

	private WebEndpointResponse<Object> broadcast(@Nullable String topic, @Nullable String payload,
			@Nullable String retained, @Nullable String type, AnsweredBy answeredBy) {
		ClusterMessenger messenger = this.messenger;
		if (messenger == null) {
			return new WebEndpointResponse<>(new Failure("No ClusterMessenger in this process", answeredBy),
					WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
		if (topic == null || topic.isBlank()) {
			return badRequest("'topic' is required: the name receivers (and retained values) know it by", answeredBy);
		}
		if (payload == null) {
			return badRequest("'payload' is required: a JSON text in a string, "
					+ "as in {\"topic\": \"t\", \"payload\": \"{\\\"count\\\": 1}\"}", answeredBy);
		}
		if (retained != null && !retained.equals("true") && !retained.equals("false")) {
			return badRequest("'retained' must be true or false, was '" + retained + "'", answeredBy);
		}
		boolean retain = "true".equals(retained);
		try {
			BroadcastResult result = messenger.publishJson(topic, payload,
					(type != null && !type.isBlank()) ? type : null, retain);
			return new WebEndpointResponse<>(
					new BroadcastDelivered(topic, retain, result.acknowledged(), result.targets(), answeredBy));
		}
		catch (IllegalArgumentException ex) {
			return badRequest("'payload' is " + ex.getMessage(), answeredBy);
		}
		catch (PayloadTooLargeException ex) {
			return new WebEndpointResponse<>(new Failure(ex.getMessage(), answeredBy), STATUS_PAYLOAD_TOO_LARGE);
		}
		catch (ClusterMessagingException ex) {
			return new WebEndpointResponse<>(new Failure(ex.getMessage(), answeredBy),
					WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
	}

	private static WebEndpointResponse<Object> badRequest(String error, AnsweredBy answeredBy) {
		return new WebEndpointResponse<>(new Failure(error, answeredBy), WebEndpointResponse.STATUS_BAD_REQUEST);
	}

	private AnsweredBy answeredBy() {
		return new AnsweredBy(this.operations.role(), this.operations.workerId(), ProcessHandle.current().pid());
	}

	private static String describe(AnsweredBy answeredBy) {
		return (answeredBy.role() == ClusterRole.WORKER)
				? "worker-" + answeredBy.workerId() + " (pid " + answeredBy.pid() + ")" : answeredBy.role().name();
	}

	/**
	 * The answer to a restart request.
	 *
	 * @param started whether this request started it (false: one was already running)
	 * @param operation the operation; poll {@code GET /actuator/cluster} for its progress
	 * @param answeredBy the process that relayed the request
	 */
	public record RestartAccepted(boolean started, RestartOperation operation, AnsweredBy answeredBy) {
	}

	/**
	 * The answer to a broadcast.
	 *
	 * @param topic its topic
	 * @param retained whether the master keeps it for workers that start later
	 * @param acknowledged ready workers that received it
	 * @param targets ready workers it was addressed to
	 * @param answeredBy the process that relayed it
	 */
	public record BroadcastDelivered(String topic, boolean retained, int acknowledged, int targets,
			AnsweredBy answeredBy) {
	}

	/** A scale request taken: the count of workers before and now. */
	public record Scaled(int previous, int desired, AnsweredBy answeredBy) {
	}

	/**
	 * An action that could not be done.
	 *
	 * @param error why
	 * @param answeredBy the process that answered
	 */
	public record Failure(String error, AnsweredBy answeredBy) {
	}

	/**
	 * The cluster status.
	 *
	 * @param role role of the process that holds the view (MASTER, or STANDALONE)
	 * @param masterPid master process id
	 * @param masterRssBytes the master's resident memory, or -1 where unknown
	 * @param desired workers the master keeps running
	 * @param ready workers currently READY
	 * @param restarts crash replacements since the master started (rolling-restart
	 * replacements are not counted: each worker's {@code replacements} has those)
	 * @param port HTTP port the workers share
	 * @param listener how the workers share the port
	 * @param tcpMigrateReq {@code net.ipv4.tcp_migrate_req}, where known
	 * @param workers one entry per worker slot: its current process, and apart from it
	 * the slot's history (see {@link WorkerSnapshot})
	 * @param restart the latest rolling restart, if any
	 * @param store the figures of the master's store (entries, bytes used and budget,
	 * evictions, refused writes, expirations), null when standalone
	 * @param answeredBy the process that served this request
	 */
	public record ClusterDescriptor(ClusterRole role, long masterPid, long masterRssBytes, int desired, int ready,
			long restarts, int port, String listener, @Nullable Integer tcpMigrateReq, List<WorkerSnapshot> workers,
			@Nullable RestartOperation restart, @Nullable StoreStats store, AnsweredBy answeredBy) {
	}

	/**
	 * The process that answered.
	 *
	 * @param role its role
	 * @param workerId its worker id (0 when standalone)
	 * @param pid its process id
	 */
	public record AnsweredBy(ClusterRole role, int workerId, long pid) {
	}

}
