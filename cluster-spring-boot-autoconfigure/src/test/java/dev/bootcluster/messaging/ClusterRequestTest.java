package dev.bootcluster.messaging;

import org.junit.jupiter.api.Test;

import org.springframework.core.ResolvableType;

import dev.bootcluster.messaging.Payloads.Ping;
import dev.bootcluster.messaging.Payloads.Pong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link ClusterRequest} and {@link BroadcastResult}.
 */
class ClusterRequestTest {

	@Test
	void isAnsweredOnce() {
		ClusterRequest<Ping> request = new ClusterRequest<>(this, 2, new Ping(1));
		assertThat(request.getReply()).isNull();
		request.reply(new Pong(1, "first"));
		assertThat(request.getReply()).isEqualTo(new Pong(1, "first"));
		assertThatIllegalStateException().isThrownBy(() -> request.reply(new Pong(1, "second")));
		assertThat(request.getReply()).isEqualTo(new Pong(1, "first"));
	}

	@Test
	void nullReplyIsRejected() {
		ClusterRequest<Ping> request = new ClusterRequest<>(this, 0, new Ping(1));
		assertThatNullPointerException().isThrownBy(() -> request.reply(null));
		assertThat(request.getReply()).isNull();
	}

	@Test
	void eventTypeCarriesThePayloadClassSoListenersCanSelectByIt() {
		ClusterRequest<Object> request = new ClusterRequest<>(this, 0, new Ping(1));
		ResolvableType type = request.getResolvableType();
		assertThat(ResolvableType.forClassWithGenerics(ClusterRequest.class, Ping.class).isAssignableFrom(type))
			.isTrue();
		assertThat(ResolvableType.forClassWithGenerics(ClusterRequest.class, Pong.class).isAssignableFrom(type))
			.isFalse();
		assertThat(request.toString()).contains("ClusterRequest<Ping>");
	}

	@Test
	void broadcastIsCompleteWhenEveryTargetAcknowledged() {
		assertThat(new BroadcastResult(3, 3).complete()).isTrue();
		assertThat(new BroadcastResult(0, 0).complete()).isTrue();
		assertThat(new BroadcastResult(2, 3).complete()).isFalse();
	}

}
