package dev.bootcluster.actuate;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.bootcluster.ClusterOperations.RestartOutcome;
import dev.bootcluster.ClusterOperations.ScaleOutcome;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;
import dev.bootcluster.WorkerState;
import dev.bootcluster.actuate.ClusterEndpoint.AnsweredBy;
import dev.bootcluster.actuate.ClusterEndpoint.ClusterDescriptor;
import dev.bootcluster.actuate.ClusterEndpoint.Failure;
import dev.bootcluster.actuate.ClusterEndpoint.RestartAccepted;
import dev.bootcluster.actuate.ClusterEndpoint.Scaled;
import dev.bootcluster.ipc.IpcException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterEndpoint}.
 */
class ClusterEndpointTest {

	private static final long PID = ProcessHandle.current().pid();

	private static final RestartOperation OPERATION = new RestartOperation("r-1", RestartOperation.State.RUNNING,
			"SIGHUP", 0, 2, "starting a replacement for worker-1", Instant.parse("2025-01-01T00:00:00Z"), null, null,
			List.of());

	@Test
	void thePageShowsItsControlsOnlyWhereTheWriteOperationIsOpen() {
		StubClusterOperations operations = StubClusterOperations.returning(Snapshots.cluster());
		WebEndpointResponse<String> open = new ClusterEndpoint(operations, null, () -> null, () -> true).page("ui");
		assertThat(open.getStatus()).isEqualTo(200);
		assertThat(open.getBody()).startsWith("<!DOCTYPE html>")
			.contains("const WRITE = true;")
			.doesNotContain("http://", "https://");
		WebEndpointResponse<String> closed = new ClusterEndpoint(operations, null, () -> null, () -> false).page("ui");
		assertThat(closed.getBody()).contains("const WRITE = false;");
		WebEndpointResponse<String> other = new ClusterEndpoint(operations, null).page("other");
		assertThat(other.getStatus()).isEqualTo(404);
		assertThat(other.getBody()).isEqualTo("No such page: other; the cluster's page is /actuator/cluster/ui");
	}

	@Test
	void statusCopiesTheSnapshotAndSaysWhoAnswered() {
		ClusterSnapshot snapshot = Snapshots.cluster(WorkerState.READY, WorkerState.CRASHED);
		WebEndpointResponse<Object> response = new ClusterEndpoint(
				new StubClusterOperations(ClusterRole.WORKER, 2, () -> snapshot, snapshot), null)
			.status();
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
		assertThat(response.getBody()).isEqualTo(new ClusterDescriptor(ClusterRole.MASTER, 999, -1, 2, 1, 3, 8080,
				"reuseport", 1, snapshot.workers(), null, null, new AnsweredBy(ClusterRole.WORKER, 2, PID)));
	}

	@Test
	void statusCarriesTheLatestRollingRestart() {
		ClusterSnapshot snapshot = new ClusterSnapshot(ClusterRole.MASTER, 999, 1, 1, 0, 8080,
				List.of(Snapshots.worker(1, WorkerState.READY)), OPERATION, "shared", null);
		ClusterDescriptor descriptor = (ClusterDescriptor) new ClusterEndpoint(
				StubClusterOperations.returning(snapshot), null)
			.status()
			.getBody();
		assertThat(descriptor.restart()).isEqualTo(OPERATION);
		assertThat(descriptor.listener()).isEqualTo("shared");
		assertThat(descriptor.tcpMigrateReq()).isNull();
	}

	@Test
	void statusOfStandaloneProcess() {
		ClusterSnapshot snapshot = new ClusterSnapshot(ClusterRole.STANDALONE, PID, 1, 1, 0, 0,
				List.of(Snapshots.worker(0, WorkerState.READY)), null, "standalone", null);
		WebEndpointResponse<Object> response = new ClusterEndpoint(
				new StubClusterOperations(ClusterRole.STANDALONE, 0, () -> snapshot, snapshot), null)
			.status();
		ClusterDescriptor descriptor = (ClusterDescriptor) response.getBody();
		assertThat(descriptor.role()).isEqualTo(ClusterRole.STANDALONE);
		assertThat(descriptor.masterPid()).isEqualTo(PID);
		assertThat(descriptor.answeredBy()).isEqualTo(new AnsweredBy(ClusterRole.STANDALONE, 0, PID));
	}

	@Test
	void unreachableMasterIsServiceUnavailable() {
		ClusterEndpoint endpoint = new ClusterEndpoint(new StubClusterOperations(ClusterRole.WORKER, 3, () -> {
			throw new IpcException("The master did not answer within 5000 ms");
		}, null), null);
		WebEndpointResponse<Object> response = endpoint.status();
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE).isEqualTo(503);
		assertThat(response.getBody()).isEqualTo(
				new Failure("The master did not answer within 5000 ms", new AnsweredBy(ClusterRole.WORKER, 3, PID)));
	}

	@Test
	void restartThatStartsIsAccepted() {
		StubClusterOperations operations = worker().onRestart((trigger) -> new RestartOutcome(true, OPERATION));
		WebEndpointResponse<Object> response = new ClusterEndpoint(operations, null).action("restart", null, null, null,
				null, null);
		assertThat(response.getStatus()).isEqualTo(202);
		assertThat(response.getBody())
			.isEqualTo(new RestartAccepted(true, OPERATION, new AnsweredBy(ClusterRole.WORKER, 2, PID)));
		assertThat(operations.lastTrigger()).contains("POST /actuator/cluster/restart").contains("worker-2");
	}

	@Test
	void restartWhileOneIsRunningIsAConflict() {
		StubClusterOperations operations = worker().onRestart((trigger) -> new RestartOutcome(false, OPERATION));
		WebEndpointResponse<Object> response = new ClusterEndpoint(operations, null).action("restart", null, null, null,
				null, null);
		assertThat(response.getStatus()).isEqualTo(409);
		assertThat(response.getBody())
			.isEqualTo(new RestartAccepted(false, OPERATION, new AnsweredBy(ClusterRole.WORKER, 2, PID)));
	}

	@Test
	void restartWithoutWorkersIsAConflict() {
		StubClusterOperations operations = worker().onRestart((trigger) -> {
			throw new UnsupportedOperationException("no workers to restart");
		});
		WebEndpointResponse<Object> response = new ClusterEndpoint(operations, null).action("restart", null, null, null,
				null, null);
		assertThat(response.getStatus()).isEqualTo(409);
		assertThat(response.getBody()).isInstanceOfSatisfying(Failure.class,
				(failure) -> assertThat(failure.error()).isEqualTo("no workers to restart"));
	}

	@Test
	void restartWithUnreachableMasterIsServiceUnavailable() {
		StubClusterOperations operations = worker().onRestart((trigger) -> {
			throw new IpcException("Cannot reach the master");
		});
		WebEndpointResponse<Object> response = new ClusterEndpoint(operations, null).action("restart", null, null, null,
				null, null);
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		assertThat(response.getBody()).isInstanceOf(Failure.class);
	}

	@Test
	void scaleIsAcceptedWithTheCountsBeforeAndNow() {
		StubClusterOperations operations = worker().onScale((workers) -> new ScaleOutcome(2, workers));
		WebEndpointResponse<Object> response = new ClusterEndpoint(operations, null).action("scale", null, null, null,
				null, "3");
		assertThat(response.getStatus()).isEqualTo(202);
		assertThat(response.getBody()).isEqualTo(new Scaled(2, 3, new AnsweredBy(ClusterRole.WORKER, 2, PID)));
		assertThat(operations.lastTrigger()).contains("POST /actuator/cluster/scale").contains("worker-2");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "two", "2.5", "99999999999" })
	void scaleWithoutAWholeNumberIsABadRequestAndDoesNothing(String workers) {
		StubClusterOperations operations = worker().onScale((count) -> new ScaleOutcome(2, count));
		WebEndpointResponse<Object> response = new ClusterEndpoint(operations, null).action("scale", null, null, null,
				null, workers);
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_BAD_REQUEST);
		assertThat(operations.lastTrigger()).isNull();
		assertThat(new ClusterEndpoint(operations, null).actionWithoutBody("scale").getStatus())
			.isEqualTo(WebEndpointResponse.STATUS_BAD_REQUEST);
	}

	@Test
	void scaleOutOfRangeIsABadRequestAndARefusalAConflict() {
		StubClusterOperations outOfRange = worker().onScale((count) -> {
			throw new IllegalArgumentException("A worker count is a whole number from 1 to 256, not 0");
		});
		WebEndpointResponse<Object> invalid = new ClusterEndpoint(outOfRange, null).action("scale", null, null, null,
				null, "0");
		assertThat(invalid.getStatus()).isEqualTo(WebEndpointResponse.STATUS_BAD_REQUEST);
		assertThat(invalid.getBody()).isInstanceOfSatisfying(Failure.class,
				(failure) -> assertThat(failure.error()).contains("from 1 to 256"));
		StubClusterOperations restarting = worker().onScale((count) -> {
			throw new IllegalStateException("A rolling restart (r-1) is running; scale once it ended");
		});
		assertThat(new ClusterEndpoint(restarting, null).action("scale", null, null, null, null, "3").getStatus())
			.isEqualTo(409);
		// a standalone application has no workers
		assertThat(new ClusterEndpoint(worker(), null).action("scale", null, null, null, null, "3").getStatus())
			.isEqualTo(409);
	}

	@ParameterizedTest
	@ValueSource(strings = { "stop", "Restart", "", "restart " })
	void unknownActionIsNotFoundAndDoesNothing(String action) {
		StubClusterOperations operations = worker();
		WebEndpointResponse<Object> response = new ClusterEndpoint(operations, null).action(action, null, null, null,
				null, null);
		assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_NOT_FOUND);
		assertThat(response.getBody()).isInstanceOfSatisfying(Failure.class,
				(failure) -> assertThat(failure.error()).contains("restart"));
		assertThat(operations.lastTrigger()).isNull();
	}

	private static StubClusterOperations worker() {
		return StubClusterOperations.returning(Snapshots.cluster(WorkerState.READY));
	}

}
