package dev.bootcluster.messaging;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import dev.bootcluster.autoconfigure.ClusterAutoConfiguration;
import dev.bootcluster.messaging.Payloads.Ping;
import dev.bootcluster.messaging.Payloads.Pong;
import dev.bootcluster.messaging.Payloads.Strict;
import dev.bootcluster.messaging.Payloads.Tick;
import dev.bootcluster.messaging.Payloads.Unanswered;
import dev.bootcluster.messaging.Payloads.Unwritable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * {@link StandaloneClusterMessenger} as the auto-configuration sets it up, delivering to
 * the {@code @EventListener} methods of its own context.
 */
@ExtendWith(OutputCaptureExtension.class)
class StandaloneClusterMessengerTest {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private static final Tick TICK = new Tick("users", Instant.parse("2025-03-04T05:06:07.123456789Z"));

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ClusterAutoConfiguration.class))
		.withUserConfiguration(ListenerConfiguration.class);

	@Test
	void typedPayloadReachesTheListenerOfItsClassAfterAJsonRoundTrip() {
		this.runner.run((context) -> {
			BroadcastResult result = messenger(context).broadcast(TICK);
			assertThat(result.acknowledged()).isEqualTo(1);
			assertThat(result.targets()).isEqualTo(1);
			assertThat(result.complete()).isTrue();
			Listener listener = listener(context);
			assertThat(listener.ticks).singleElement().isEqualTo(TICK).isNotSameAs(TICK);
			assertThat(listener.untyped).isEmpty();
		});
	}

	@Test
	void typedPayloadUnderATopicAndRetainedReachesTheListenerOfItsClass() {
		Tick other = new Tick("orders", Instant.EPOCH);
		this.runner.run((context) -> {
			messenger(context).broadcast("some-topic", TICK);
			messenger(context).broadcastRetained(other);
			messenger(context).broadcastRetained("another-topic", TICK);
			assertThat(listener(context).ticks).containsExactly(TICK, other, TICK);
			assertThat(listener(context).untyped).isEmpty();
		});
	}

	@Test
	void aFailingListenerIsLoggedAndTheBroadcastStillCountsAsDelivered(CapturedOutput output) {
		this.runner.withBean(FailingListener.class).run((context) -> {
			BroadcastResult result = messenger(context).broadcast("boom-topic", new Failing("x"));
			assertThat(result).isEqualTo(new BroadcastResult(1, 1));
			assertThat(context.getBean(FailingListener.class).calls).isEqualTo(1);
			assertThat(output).contains("A listener of cluster topic 'boom-topic' failed")
				.contains("listener exploded");
		});
	}

	/** A payload whose listener throws. */
	record Failing(String why) {
	}

	static class FailingListener {

		int calls;

		@EventListener
		void on(Failing failing) {
			this.calls++;
			throw new IllegalStateException("listener exploded");
		}

	}

	@Test
	void jdkValueTypesOfTheAllowListArriveAsThemselves() {
		BigDecimal amount = new BigDecimal("12.50");
		this.runner.run((context) -> {
			messenger(context).broadcast("hello");
			messenger(context).broadcast(amount);
			messenger(context).broadcast(TICK.at());
			Listener listener = listener(context);
			assertThat(listener.strings).containsExactly("hello");
			assertThat(listener.amounts).containsExactly(amount);
			assertThat(listener.instants).containsExactly(TICK.at());
			assertThat(listener.untyped).isEmpty();
		});
	}

	@Test
	void untypedJsonArrivesAsClusterMessageEvent() {
		String json = "{\"text\": \"hello\", \"numbers\": [1, 2.5, null], \"nested\": {\"ok\": true}}";
		this.runner.run((context) -> {
			BroadcastResult result = messenger(context).publishJson("greetings", json, null, false);
			assertThat(result.acknowledged()).isEqualTo(1);
			messenger(context).publishJson("greetings", "[]", null, true);
			List<ClusterMessageEvent> events = listener(context).untyped;
			assertThat(events).hasSize(2);
			ClusterMessageEvent first = events.get(0);
			assertThat(first.topic()).isEqualTo("greetings");
			assertThat(first.sender()).isZero();
			assertThat(first.type()).isNull();
			assertThat(first.retained()).isFalse();
			assertThat(MAPPER.readTree(first.json())).isEqualTo(MAPPER.readTree(json));
			assertThat(first.toString()).contains("greetings");
			assertThat(events.get(1).retained()).isTrue();
			assertThat(events.get(1).json()).isEqualTo("[]");
			assertThat(listener(context).ticks).isEmpty();
		});
	}

	@Test
	void jsonWithTheTypeOfAKnownClassArrivesAsThatClass() {
		String json = "{\"name\": \"users\", \"at\": \"" + TICK.at() + "\"}";
		this.runner.run((context) -> {
			messenger(context).publishJson("any-topic", json, Tick.class.getName(), true);
			assertThat(listener(context).ticks).containsExactly(TICK);
			assertThat(listener(context).untyped).isEmpty();
		});
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
			'{'                 | not valid JSON
			'not json'          | not valid JSON
			'{"a": }'           | not valid JSON
			'{} {}'             | not valid JSON
			''                  | not valid JSON
			'   '               | not valid JSON
			""")
	void invalidJsonIsRejectedAndNothingIsDelivered(String json, String message) {
		this.runner.run((context) -> {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> messenger(context).publishJson("greetings", json, null, false))
				.withMessageContaining(message);
			assertThat(listener(context).untyped).isEmpty();
		});
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '\'',
			textBlock = """
					com.example.NoSuchClass                    | {"a": 1}         | have no class here
					java.lang.Runtime                          | {}               | have no class here
					java.io.File                               | "/etc/passwd"    | have no class here
					[Ljava.lang.String;                        | ["a", "b"]       | have no class here
					dev.bootcluster.messaging.Payloads$Strict  | {"count": "many"} | do not bind to dev.bootcluster.messaging.Payloads$Strict
					""")
	void unknownOrUnbindableTypeArrivesAsClusterMessageEventAndIsLoggedOnce(String type, String json, String reason,
			CapturedOutput output) {
		this.runner.run((context) -> {
			for (int i = 0; i < 3; i++) {
				messenger(context).publishJson("topic-" + i, json, type, false);
			}
			List<ClusterMessageEvent> events = listener(context).untyped;
			assertThat(events).hasSize(3).allSatisfy((event) -> {
				assertThat(event.type()).isEqualTo(type);
				assertThat(MAPPER.readTree(event.json())).isEqualTo(MAPPER.readTree(json));
			});
			assertThat(events).extracting(ClusterMessageEvent::topic).containsExactly("topic-0", "topic-1", "topic-2");
			assertThat(listener(context).strict).isEmpty();
			List<String> warnings = warningsAbout(type, output);
			assertThat(warnings).singleElement().asString().contains(reason).contains("topic-0");
		});
	}

	@Test
	void eachUnknownTypeIsLoggedOnceOnItsOwn(CapturedOutput output) {
		this.runner.run((context) -> {
			messenger(context).publishJson("t", "1", "com.example.First", false);
			messenger(context).publishJson("t", "2", "com.example.Second", false);
			messenger(context).publishJson("t", "3", "com.example.First", false);
			assertThat(listener(context).untyped).extracting(ClusterMessageEvent::type)
				.containsExactly("com.example.First", "com.example.Second", "com.example.First");
			assertThat(warningsAbout("com.example.First", output)).hasSize(1);
			assertThat(warningsAbout("com.example.Second", output)).hasSize(1);
		});
	}

	@Test
	void typeThatDidNotBindOnceStillBindsWhenThePayloadFits() {
		this.runner.run((context) -> {
			messenger(context).publishJson("t", "{\"count\": \"many\"}", Strict.class.getName(), false);
			messenger(context).publishJson("t", "{\"count\": 3}", Strict.class.getName(), false);
			assertThat(listener(context).untyped).hasSize(1);
			assertThat(listener(context).strict).containsExactly(new Strict(3));
		});
	}

	@Test
	void oversizedPayloadIsRefusedBeforeAnyListenerRuns() {
		String big = "x".repeat(2048);
		Tick bigTick = new Tick(big, Instant.EPOCH);
		this.runner.withPropertyValues("cluster.ipc.max-message-size=1KB").run((context) -> {
			ClusterMessenger messenger = messenger(context);
			assertTooLarge(() -> messenger.broadcast(bigTick));
			assertTooLarge(() -> messenger.broadcast("big-topic", bigTick));
			assertTooLarge(() -> messenger.broadcastRetained(bigTick));
			assertTooLarge(() -> messenger.publishJson("big-topic", "\"" + big + "\"", null, true));
			assertTooLarge(() -> messenger.send(1, bigTick));
			assertTooLarge(() -> messenger.send(2, bigTick));
			assertTooLarge(() -> messenger.request(bigTick, String.class));
			Listener listener = listener(context);
			assertThat(listener.ticks).isEmpty();
			assertThat(listener.untyped).isEmpty();
			assertThat(listener.tickRequests).isEmpty();
			// a payload that fits still goes through the same messenger
			messenger.broadcast(TICK);
			assertThat(listener.ticks).containsExactly(TICK);
		});
	}

	@Test
	void tooLargeExceptionNamesTheTopicSizeAndLimit() {
		this.runner.withPropertyValues("cluster.ipc.max-message-size=1KB").run((context) -> {
			assertThatExceptionOfType(PayloadTooLargeException.class)
				.isThrownBy(() -> messenger(context).publishJson("huge", "\"" + "y".repeat(5000) + "\"", null, false))
				.satisfies((ex) -> {
					assertThat(ex.limit()).isEqualTo(1024);
					assertThat(ex.size()).isGreaterThan(5000);
					assertThat(ex.getMessage()).contains("'huge'")
						.contains(Integer.toString(ex.size()))
						.contains("1024")
						.contains("cluster.ipc.max-message-size");
				});
		});
	}

	@Test
	void payloadJacksonCannotWriteIsAMessagingFailureAndNothingIsDelivered() {
		this.runner.run((context) -> {
			assertThatExceptionOfType(ClusterMessagingException.class)
				.isThrownBy(() -> messenger(context).broadcast(new Unwritable()))
				.withMessageContaining(Unwritable.class.getName());
			assertThatExceptionOfType(ClusterMessagingException.class)
				.isThrownBy(() -> messenger(context).send(1, new Unwritable()));
			assertThat(listener(context).untyped).isEmpty();
		});
	}

	@Test
	void nullArgumentsAreRejected() {
		this.runner.run((context) -> {
			ClusterMessenger messenger = messenger(context);
			assertThatNullPointerException().isThrownBy(() -> messenger.publish(null, TICK, false));
			assertThatNullPointerException().isThrownBy(() -> messenger.publish("t", null, false));
			assertThatNullPointerException().isThrownBy(() -> messenger.publishJson(null, "{}", null, false));
			assertThatNullPointerException().isThrownBy(() -> messenger.send(1, null));
			assertThatNullPointerException().isThrownBy(() -> messenger.request(null, Pong.class));
			assertThat(listener(context).ticks).isEmpty();
			assertThat(listener(context).untyped).isEmpty();
		});
	}

	@Test
	void sendToWorkerOneIsDeliveredHere() {
		this.runner.run((context) -> {
			assertThat(messenger(context).send(1, TICK)).isTrue();
			assertThat(listener(context).ticks).singleElement().isEqualTo(TICK).isNotSameAs(TICK);
		});
	}

	@Test
	void sendToAnyOtherWorkerIsNotAcknowledgedAndNotDelivered() {
		this.runner.run((context) -> {
			assertThat(messenger(context).send(2, TICK)).isFalse();
			assertThat(messenger(context).send(Integer.MAX_VALUE, TICK)).isFalse();
			assertThat(listener(context).ticks).isEmpty();
		});
	}

	@Test
	void sendToWorkerBelowOneIsRejected() {
		this.runner.run((context) -> {
			assertThatIllegalArgumentException().isThrownBy(() -> messenger(context).send(0, TICK))
				.withMessageContaining("was 0");
			assertThatIllegalArgumentException().isThrownBy(() -> messenger(context).send(-1, TICK))
				.withMessageContaining("was -1");
			assertThatIllegalArgumentException().isThrownBy(() -> messenger(context).send(Integer.MIN_VALUE, TICK));
			assertThat(listener(context).ticks).isEmpty();
		});
	}

	@Test
	void requestIsAnsweredByTheListenerOfItsPayloadType() {
		this.runner.run((context) -> {
			Pong pong = messenger(context).request(new Ping(7), Pong.class);
			assertThat(pong).isEqualTo(new Pong(7, "standalone"));
			assertThat(listener(context).pingRequests).singleElement().satisfies((request) -> {
				assertThat(request.sender()).isZero();
				assertThat(request.payload()).isEqualTo(new Ping(7));
				assertThat(request.getReply()).isEqualTo(new Pong(7, "standalone"));
			});
			assertThat(listener(context).tickRequests).isEmpty();
		});
	}

	@Test
	void requestCanBeAnsweredWithAJdkValue() {
		this.runner.run((context) -> {
			assertThat(messenger(context).request(TICK, String.class)).isEqualTo("tick users");
			assertThat(listener(context).tickRequests).containsExactly(TICK);
			assertThat(listener(context).pingRequests).isEmpty();
		});
	}

	@Test
	void requestNobodyAnswersFailsNamingItsType() {
		this.runner.run((context) -> assertThatExceptionOfType(ClusterMessagingException.class)
			.isThrownBy(() -> messenger(context).request(new Unanswered("anyone?"), Pong.class))
			.withMessageContaining("ClusterRequest<Unanswered>"));
	}

	@Test
	void requestOfATypeTheMasterCannotReadFailsNamingItsType() {
		this.runner.run((context) -> assertThatExceptionOfType(ClusterMessagingException.class)
			.isThrownBy(() -> messenger(context).request(new StringBuilder("x"), String.class))
			.withMessageContaining("java.lang.StringBuilder"));
	}

	@Test
	void answerThatDoesNotBindToTheExpectedTypeFails() {
		this.runner.run((context) -> assertThatExceptionOfType(ClusterMessagingException.class)
			.isThrownBy(() -> messenger(context).request(new Ping(1), Integer.class))
			.withMessageContaining(Integer.class.getName()));
	}

	@Test
	void requestWhoseListenerFailsIsAMessagingFailureWithTheCause() {
		this.runner.run((context) -> assertThatExceptionOfType(ClusterMessagingException.class)
			.isThrownBy(() -> messenger(context).request(new Strict(1), Pong.class))
			.withMessageContaining("database is down")
			.havingCause()
			.isInstanceOf(IllegalStateException.class)
			.withMessage("database is down"));
	}

	@Test
	void messengerTimeoutIsTheRequestTimeout() {
		this.runner.withPropertyValues("cluster.ipc.request-timeout=7s")
			.run((context) -> assertThat(messenger(context).timeout()).hasSeconds(7));
	}

	private static void assertTooLarge(ThrowingCallable call) {
		assertThatExceptionOfType(PayloadTooLargeException.class).isThrownBy(call)
			.satisfies((ex) -> assertThat(ex.size()).isGreaterThan(ex.limit()));
	}

	static List<String> warningsAbout(String type, CapturedOutput output) {
		return output.getOut()
			.lines()
			.filter((line) -> line.contains("Cluster messages of type " + type + " (topic"))
			.toList();
	}

	private static ClusterMessenger messenger(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(ClusterMessenger.class);
	}

	private static Listener listener(AssertableApplicationContext context) {
		return context.getBean(Listener.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class ListenerConfiguration {

		@Bean
		Listener listener() {
			return new Listener();
		}

	}

	static class Listener {

		final List<Tick> ticks = new CopyOnWriteArrayList<>();

		final List<Strict> strict = new CopyOnWriteArrayList<>();

		final List<String> strings = new CopyOnWriteArrayList<>();

		final List<BigDecimal> amounts = new CopyOnWriteArrayList<>();

		final List<Instant> instants = new CopyOnWriteArrayList<>();

		final List<ClusterMessageEvent> untyped = new CopyOnWriteArrayList<>();

		final List<ClusterRequest<Ping>> pingRequests = new CopyOnWriteArrayList<>();

		final List<Tick> tickRequests = new CopyOnWriteArrayList<>();

		@EventListener
		void tick(Tick tick) {
			this.ticks.add(tick);
		}

		@EventListener
		void strict(Strict strict) {
			this.strict.add(strict);
		}

		@EventListener
		void string(String string) {
			this.strings.add(string);
		}

		@EventListener
		void amount(BigDecimal amount) {
			this.amounts.add(amount);
		}

		@EventListener
		void instant(Instant instant) {
			this.instants.add(instant);
		}

		@EventListener
		void untyped(ClusterMessageEvent event) {
			this.untyped.add(event);
		}

		@EventListener
		void ping(ClusterRequest<Ping> request) {
			this.pingRequests.add(request);
			request.reply(new Pong(request.payload().seq(), "standalone"));
		}

		@EventListener
		void tickRequest(ClusterRequest<Tick> request) {
			this.tickRequests.add(request.payload());
			request.reply("tick " + request.payload().name());
		}

		@EventListener
		void failing(ClusterRequest<Strict> request) {
			throw new IllegalStateException("database is down");
		}

	}

}
