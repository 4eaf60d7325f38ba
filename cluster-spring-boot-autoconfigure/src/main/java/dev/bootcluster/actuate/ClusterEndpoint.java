package dev.bootcluster.actuate;

import java.util.List;

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
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.ipc.IpcException;

/**
 * {@code /actuator/cluster}: the master's view of the cluster, asked from whichever worker
 * answered. Read-only by default; the starter never changes exposure.
 */
@Endpoint(id = "cluster", defaultAccess = Access.READ_ONLY)
public class ClusterEndpoint {

	private final ClusterOperations operations;

	public ClusterEndpoint(ClusterOperations operations) {
		this.operations = operations;
	}

	/** Actions of {@code POST /actuator/cluster/{action}}. */
	static final List<String> ACTIONS = List.of("restart");

	@ReadOperation
	public WebEndpointResponse<Object> status() {
		AnsweredBy answeredBy = answeredBy();
		try {
			ClusterSnapshot snapshot = this.operations.status();
			return new WebEndpointResponse<>(new ClusterDescriptor(snapshot.role(), snapshot.masterPid(),
					snapshot.desired(), snapshot.ready(), snapshot.restarts(), snapshot.port(), snapshot.listener(),
					snapshot.tcpMigrateReq(), snapshot.workers(), snapshot.restart(), answeredBy));
		}
		catch (IpcException ex) {
			return new WebEndpointResponse<>(new Failure(ex.getMessage(), answeredBy),
					WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
	}

	/**
	 * One write operation for every action, as actuator allows one operation per path and method.
	 * {@code restart} starts a rolling restart (202 with the operation; 409 with the running one).
	 */
	@WriteOperation
	public WebEndpointResponse<Object> action(@Selector String action) {
		AnsweredBy answeredBy = answeredBy();
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
	 * @param desired workers the master keeps running
	 * @param ready workers currently READY
	 * @param restarts crash replacements since the master started
	 * @param port HTTP port the workers share
	 * @param listener how the workers share the port
	 * @param tcpMigrateReq {@code net.ipv4.tcp_migrate_req}, where known
	 * @param workers one entry per worker slot
	 * @param restart the latest rolling restart, if any
	 * @param answeredBy the process that served this request
	 */
	public record ClusterDescriptor(ClusterRole role, long masterPid, int desired, int ready, long restarts, int port,
			String listener, @Nullable Integer tcpMigrateReq, List<WorkerSnapshot> workers,
			@Nullable RestartOperation restart, AnsweredBy answeredBy) {
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
