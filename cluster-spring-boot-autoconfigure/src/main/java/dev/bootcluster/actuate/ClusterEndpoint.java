package dev.bootcluster.actuate;

import java.util.List;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
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

	@ReadOperation
	public WebEndpointResponse<Object> status() {
		AnsweredBy answeredBy = new AnsweredBy(this.operations.role(), this.operations.workerId(),
				ProcessHandle.current().pid());
		try {
			ClusterSnapshot snapshot = this.operations.status();
			return new WebEndpointResponse<>(new ClusterDescriptor(snapshot.role(), snapshot.masterPid(),
					snapshot.desired(), snapshot.ready(), snapshot.restarts(), snapshot.port(), snapshot.workers(),
					answeredBy));
		}
		catch (IpcException ex) {
			return new WebEndpointResponse<>(new Unavailable(ex.getMessage(), answeredBy),
					WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
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
	 * @param workers one entry per worker slot
	 * @param answeredBy the process that served this request
	 */
	public record ClusterDescriptor(ClusterRole role, long masterPid, int desired, int ready, long restarts, int port,
			List<WorkerSnapshot> workers, AnsweredBy answeredBy) {
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

	/**
	 * The master could not be asked.
	 *
	 * @param error why
	 * @param answeredBy the process that answered
	 */
	public record Unavailable(String error, AnsweredBy answeredBy) {
	}

}
