package dev.bootcluster.context;

import java.io.IOException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;

import dev.bootcluster.ipc.Message;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link WorkerReadinessBridge}: the application's readiness and liveness reach
 * the master.
 */
class WorkerReadinessBridgeTest {

	private FakeMaster master;

	private WorkerReadinessBridge bridge;

	@BeforeEach
	void connect() throws IOException {
		// heartbeats rarely (the first goes at once): skipped
		this.master = new FakeMaster(600_000);
		this.bridge = new WorkerReadinessBridge(this.master.agent());
	}

	@AfterEach
	void close() throws IOException {
		this.master.close();
	}

	@Test
	void acceptingTrafficIsReady() {
		publish(ReadinessState.REFUSING_TRAFFIC);
		publish(ReadinessState.ACCEPTING_TRAFFIC);
		assertThat(this.master.next()).isEqualTo(new Message.Ready(1));
	}

	@Test
	void brokenLivenessIsForwardedAndCorrectOnlyAfterIt() {
		// as Boot publishes at start: nothing new for the master
		publish(LivenessState.CORRECT);
		publish(LivenessState.BROKEN);
		assertThat(this.master.next()).isEqualTo(new Message.Liveness(true));
		publish(LivenessState.CORRECT);
		assertThat(this.master.next()).isEqualTo(new Message.Liveness(false));
		publish(LivenessState.CORRECT);
		publish(ReadinessState.ACCEPTING_TRAFFIC);
		assertThat(this.master.next()).isEqualTo(new Message.Ready(1));
	}

	private void publish(AvailabilityState state) {
		this.bridge.onApplicationEvent(new AvailabilityChangeEvent<>(this, state));
	}

}
