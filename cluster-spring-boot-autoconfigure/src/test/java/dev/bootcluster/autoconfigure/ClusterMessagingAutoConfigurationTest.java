package dev.bootcluster.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.actuate.ClusterEndpoint;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.master.MessageHub;
import dev.bootcluster.messaging.BroadcastResult;
import dev.bootcluster.messaging.ClusterMessageEvent;
import dev.bootcluster.messaging.ClusterMessenger;
import dev.bootcluster.messaging.MessageDispatcher;
import dev.bootcluster.messaging.PayloadCodec;
import dev.bootcluster.messaging.PayloadTooLargeException;
import dev.bootcluster.messaging.StandaloneClusterMessenger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The messaging beans of {@link ClusterAutoConfiguration} in each role. No test registers
 * a {@code MasterLaunch} or a {@code WorkerAgent}: those would start or need other
 * processes.
 */
class ClusterMessagingAutoConfigurationTest {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ClusterAutoConfiguration.class))
		.withUserConfiguration(ListenerConfiguration.class);

	@Test
	void standaloneHasALocalMessengerAndACodec() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(PayloadCodec.class);
			assertThat(context).getBean(ClusterMessenger.class).isInstanceOf(StandaloneClusterMessenger.class);
			assertThat(context.getBean(PayloadCodec.class).maxMessageSize())
				.isEqualTo((int) new ClusterProperties().getIpc().getMaxMessageSize().toBytes());
			assertThat(context.getBean(ClusterMessenger.class).timeout())
				.isEqualTo(new ClusterProperties().getIpc().getRequestTimeout());
			BroadcastResult result = context.getBean(ClusterMessenger.class).broadcast(new Count(2));
			assertThat(result.acknowledged()).isEqualTo(1);
			assertThat(context.getBean(Listener.class).counts).containsExactly(new Count(2));
		});
	}

	@Test
	void explicitStandaloneRoleHasALocalMessenger() {
		this.runner.withPropertyValues(ClusterRole.PROPERTY + "=STANDALONE")
			.run((context) -> assertThat(context).getBean(ClusterMessenger.class)
				.isInstanceOf(StandaloneClusterMessenger.class));
	}

	@Test
	void workerWithoutAgentHasNoMessenger() {
		this.runner.withPropertyValues(ClusterRole.PROPERTY + "=WORKER").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ClusterMessenger.class);
		});
	}

	@Test
	void masterWithoutLaunchHasNoMessengerAndNoHub() {
		this.runner.withPropertyValues(ClusterRole.PROPERTY + "=MASTER").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ClusterMessenger.class);
			assertThat(context).doesNotHaveBean(MessageHub.class);
		});
	}

	@Test
	void ipcPropertiesApplyToTheMessenger() {
		this.runner.withPropertyValues("cluster.ipc.max-message-size=1KB", "cluster.ipc.request-timeout=3s")
			.run((context) -> {
				assertThat(context.getBean(PayloadCodec.class).maxMessageSize()).isEqualTo(1024);
				ClusterMessenger messenger = context.getBean(ClusterMessenger.class);
				assertThat(messenger.timeout()).isEqualTo(Duration.ofSeconds(3));
				assertThatExceptionOfType(PayloadTooLargeException.class)
					.isThrownBy(() -> messenger.broadcast(new Note("n".repeat(1100))));
				messenger.broadcast(new Note("fits"));
				assertThat(context.getBean(Listener.class).notes).containsExactly(new Note("fits"));
			});
	}

	@Test
	void userMessengerBacksOff() {
		PayloadCodec codec = codec(4096);
		ClusterMessenger custom = new StandaloneClusterMessenger(codec, new MessageDispatcher(codec, (event) -> {
		}), Duration.ofSeconds(1));
		this.runner.withBean("customMessenger", ClusterMessenger.class, () -> custom).run((context) -> {
			assertThat(context).hasSingleBean(ClusterMessenger.class);
			assertThat(context).getBean(ClusterMessenger.class).isSameAs(custom);
		});
	}

	@Test
	void userCodecBacksOffAndIsTheMessengers() {
		PayloadCodec custom = codec(100);
		this.runner.withBean(PayloadCodec.class, () -> custom).run((context) -> {
			assertThat(context).getBean(PayloadCodec.class).isSameAs(custom);
			assertThatExceptionOfType(PayloadTooLargeException.class)
				.isThrownBy(() -> context.getBean(ClusterMessenger.class).broadcast(new Note("n".repeat(150))))
				.satisfies((ex) -> assertThat(ex.limit()).isEqualTo(100));
		});
	}

	@Test
	void payloadsAreWrittenAndReadWithTheApplicationsJsonMapper() {
		this.runner.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
			.withPropertyValues("spring.jackson.property-naming-strategy=SNAKE_CASE")
			.run((context) -> {
				PayloadCodec codec = context.getBean(PayloadCodec.class);
				assertThat(codec.toTree(new Count(4)).has("active_users")).isTrue();
				context.getBean(ClusterMessenger.class)
					.publishJson("counts", "{\"active_users\": 5}", Count.class.getName(), false);
				assertThat(context.getBean(Listener.class).counts).containsExactly(new Count(5));
			});
	}

	@Test
	void withoutAnApplicationJsonMapperJacksonsDefaultsAreUsed() {
		this.runner.run((context) -> {
			assertThat(context).doesNotHaveBean(JsonMapper.class);
			assertThat(context.getBean(PayloadCodec.class).toTree(new Count(4)).has("activeUsers")).isTrue();
		});
	}

	@Test
	void endpointBroadcastsThroughTheMessenger() {
		this.runner
			.withConfiguration(
					AutoConfigurations.of(ClusterActuatorAutoConfiguration.class, EndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=cluster")
			.run((context) -> {
				WebEndpointResponse<Object> response = context.getBean(ClusterEndpoint.class)
					.action("broadcast", "notes", "{\"text\": \"from the endpoint\"}", null, null, null);
				assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
				assertThat(context.getBean(Listener.class).untyped).singleElement().satisfies((event) -> {
					assertThat(event.topic()).isEqualTo("notes");
					assertThat(event.json()).contains("from the endpoint");
				});
			});
	}

	private static PayloadCodec codec(int maxMessageSize) {
		JsonMapper mapper = JsonMapper.builder().build();
		return new PayloadCodec(() -> mapper, new FrameCodec(maxMessageSize),
				ClusterMessagingAutoConfigurationTest.class.getClassLoader());
	}

	public record Count(int activeUsers) {
	}

	public record Note(String text) {
	}

	@Configuration(proxyBeanMethods = false)
	static class ListenerConfiguration {

		@Bean
		Listener listener() {
			return new Listener();
		}

	}

	static class Listener {

		final List<Count> counts = new CopyOnWriteArrayList<>();

		final List<Note> notes = new CopyOnWriteArrayList<>();

		final List<ClusterMessageEvent> untyped = new CopyOnWriteArrayList<>();

		@EventListener
		void count(Count count) {
			this.counts.add(count);
		}

		@EventListener
		void note(Note note) {
			this.notes.add(note);
		}

		@EventListener
		void untyped(ClusterMessageEvent event) {
			this.untyped.add(event);
		}

	}

}
