package dev.bootcluster.actuate;

import java.util.List;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * What answers {@code GET /actuator/cluster/workers/{id}/{endpoint}/...} in a worker:
 * worker {@code id}'s own answer to {@code GET /actuator/{endpoint}/...}, relayed through
 * the master.
 */
@FunctionalInterface
public interface WorkerEndpointRelay {

	/**
	 * @param id the worker's slot
	 * @param path the endpoint's id and the path segments after it
	 * @return that worker's status, content type and body
	 */
	WebEndpointResponse<Object> relay(int id, List<String> path);

}
