package dev.bootcluster.messaging;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.ApplicationEventPublisher;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.messaging.Payloads.Ping;
import dev.bootcluster.messaging.Payloads.Pong;
import dev.bootcluster.messaging.Payloads.Tick;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link MessageDispatcher}, with a publisher that records what it is given.
 */
class MessageDispatcherTest {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private final PayloadCodec codec = new PayloadCodec(() -> MAPPER, new FrameCodec(4096),
			getClass().getClassLoader());

	private final List<Object> published = new ArrayList<>();

	@Test
	void knownTypeIsPublishedAsItself() {
		Tick tick = new Tick("a", Instant.parse("2025-01-01T00:00:00Z"));
		dispatcher(this.published::add).deliver(4, "topic", Tick.class.getName(), this.codec.toTree(tick), true);
		assertThat(this.published).containsExactly(tick);
	}

	@Test
	void unknownTypeIsPublishedAsClusterMessageEventWithTheSenderAndAllDetails() {
		MessageDispatcher dispatcher = dispatcher(this.published::add);
		JsonNode payload = MAPPER.readTree("{\"n\": 1}");
		dispatcher.deliver(5, "counts", "com.example.Count", payload, true);
		dispatcher.deliver(3, "counts", null, payload, false);
		assertThat(this.published).hasSize(2);
		ClusterMessageEvent typed = (ClusterMessageEvent) this.published.get(0);
		assertThat(typed.sender()).isEqualTo(5);
		assertThat(typed.topic()).isEqualTo("counts");
		assertThat(typed.type()).isEqualTo("com.example.Count");
		assertThat(typed.retained()).isTrue();
		assertThat(MAPPER.readTree(typed.json())).isEqualTo(payload);
		assertThat(typed.getSource()).isSameAs(dispatcher);
		ClusterMessageEvent untyped = (ClusterMessageEvent) this.published.get(1);
		assertThat(untyped.sender()).isEqualTo(3);
		assertThat(untyped.type()).isNull();
		assertThat(untyped.retained()).isFalse();
	}

	@Test
	void answeredRequestCarriesTheReplyAndItsType() {
		List<ClusterRequest<?>> requests = new ArrayList<>();
		MessageDispatcher dispatcher = dispatcher((event) -> {
			if (event instanceof ClusterRequest<?> request && request.payload() instanceof Ping ping) {
				requests.add(request);
				request.reply(new Pong(ping.seq() + 1, "master"));
			}
		});
		Message.Answer answer = dispatcher.answer(3, Ping.class.getName(), this.codec.toTree(new Ping(41)));
		assertThat(answer.error()).isNull();
		assertThat(answer.payloadType()).isEqualTo(Pong.class.getName());
		assertThat(this.codec.convert(answer.payload(), Pong.class)).isEqualTo(new Pong(42, "master"));
		assertThat(requests).singleElement().satisfies((request) -> {
			assertThat(request.sender()).isEqualTo(3);
			assertThat(request.payload()).isEqualTo(new Ping(41));
		});
	}

	@Test
	void unansweredRequestIsAnErrorAnswerNamingTheRequestType() {
		Message.Answer answer = dispatcher(this.published::add).answer(2, Ping.class.getName(),
				this.codec.toTree(new Ping(1)));
		assertThat(answer.error()).contains("ClusterRequest<Ping>");
		assertThat(answer.payload()).isNull();
		assertThat(answer.payloadType()).isNull();
		assertThat(this.published).singleElement().isInstanceOf(ClusterRequest.class);
	}

	@Test
	void requestOfUnknownTypeIsAnErrorAnswerAndIsNotPublished() {
		Message.Answer answer = dispatcher(this.published::add).answer(2, "com.example.Missing", MAPPER.readTree("{}"));
		assertThat(answer.error()).contains("com.example.Missing");
		assertThat(answer.payload()).isNull();
		assertThat(this.published).isEmpty();
	}

	private MessageDispatcher dispatcher(ApplicationEventPublisher publisher) {
		return new MessageDispatcher(this.codec, publisher);
	}

}
