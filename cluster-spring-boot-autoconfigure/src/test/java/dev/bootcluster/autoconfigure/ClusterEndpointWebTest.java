package dev.bootcluster.autoconfigure;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.actuate.web.WebMvcEndpointManagementContextConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import dev.bootcluster.ClusterOperations;
import dev.bootcluster.ClusterRole;
import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerSnapshot.ExitCause;
import dev.bootcluster.WorkerSnapshot.StartReason;
import dev.bootcluster.WorkerState;
import dev.bootcluster.messaging.ClusterMessageEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * {@code POST /actuator/cluster/{action}} over HTTP (MockMvc) in a STANDALONE web
 * application, with write access to the endpoint granted as a user would.
 */
class ClusterEndpointWebTest {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
						WebMvcAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
						EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class,
						JacksonEndpointAutoConfiguration.class, WebMvcEndpointManagementContextConfiguration.class,
						ClusterAutoConfiguration.class, ClusterActuatorAutoConfiguration.class))
		.withUserConfiguration(ListenerConfiguration.class)
		.withPropertyValues("management.endpoints.web.exposure.include=cluster",
				"management.endpoint.cluster.access=UNRESTRICTED");

	@Test
	void broadcastWithJsonBodyIsDelivered() {
		run((mvc, listener) -> {
			perform(mvc, "broadcast",
					"{\"topic\": \"notes\", \"payload\": \"{\\\"text\\\": \\\"hi\\\"}\", " + "\"retained\": \"true\"}",
					200);
			assertThat(listener.events).singleElement().satisfies((event) -> {
				assertThat(event.topic()).isEqualTo("notes");
				assertThat(event.json()).isEqualTo("{\"text\":\"hi\"}");
				assertThat(event.retained()).isTrue();
			});
		});
	}

	@Test
	void broadcastAnswerSaysHowItWent() {
		run((mvc, listener) -> {
			try {
				mvc.perform(post("/actuator/cluster/broadcast").contentType(MediaType.APPLICATION_JSON)
					.content("{\"topic\": \"notes\", \"payload\": \"[1]\"}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.topic").value("notes"))
					.andExpect(jsonPath("$.retained").value(false))
					.andExpect(jsonPath("$.acknowledged").value(1))
					.andExpect(jsonPath("$.targets").value(1))
					.andExpect(jsonPath("$.answeredBy.role").value("STANDALONE"));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			assertThat(listener.events).hasSize(1);
		});
	}

	@Test
	void broadcastWithoutTopicOrPayloadIsABadRequest() {
		run((mvc, listener) -> {
			perform(mvc, "broadcast", "{\"payload\": \"{}\"}", 400);
			perform(mvc, "broadcast", "{\"topic\": \"notes\"}", 400);
			perform(mvc, "broadcast", "{\"topic\": \"notes\", \"payload\": \"{\"}", 400);
			perform(mvc, "broadcast", "{\"topic\": \"notes\", \"payload\": \"\"}", 400);
			perform(mvc, "broadcast", "{\"topic\": \"notes\", \"payload\": \"{}\", \"retained\": \"maybe\"}", 400);
			assertThat(listener.events).isEmpty();
		});
	}

	@Test
	void payloadOverTheLimitIsTooLarge() {
		this.runner.withPropertyValues("cluster.ipc.max-message-size=1KB").run((context) -> {
			MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
			perform(mvc, "broadcast", "{\"topic\": \"notes\", \"payload\": \"\\\"" + "x".repeat(2000) + "\\\"\"}", 413);
			assertThat(context.getBean(Listener.class).events).isEmpty();
		});
	}

	@Test
	void restartNeedsNoBody() {
		run((mvc, listener) -> {
			// a STANDALONE process has no workers to restart: 409, not a 400 for missing
			// parameters
			perform(mvc, "restart", null, 409);
			perform(mvc, "restart", "{}", 409);
		});
	}

	@Test
	void otherActionsWithoutBodyAreAnsweredToo() {
		run((mvc, listener) -> {
			perform(mvc, "broadcast", null, 400);
			perform(mvc, "stop", null, 404);
			perform(mvc, "stop", "{}", 404);
			assertThat(listener.events).isEmpty();
		});
	}

	@Test
	void statusShowsEachSlotsCurrentProcessApartFromItsHistory() {
		Instant at = Instant.parse("2025-03-01T10:20:00Z");
		// slot 1 after a rolling restart, slot 2 after a kill -9
		WorkerSnapshot replaced = new WorkerSnapshot(1, 4243, WorkerState.READY, StartReason.RESTART, at, 61_000,
				2_345L, at.plusSeconds(60), 52_428_800, 0, 1, new WorkerSnapshot.Exit(4201, 0, ExitCause.REPLACED, at),
				List.of());
		WorkerSnapshot crashed = new WorkerSnapshot(2, 4250, WorkerState.READY, StartReason.CRASH, at, 61_000, 2_345L,
				at.plusSeconds(60), 52_428_800, 1, 0, new WorkerSnapshot.Exit(4202, 137, ExitCause.CRASHED, at),
				List.of());
		ClusterSnapshot snapshot = new ClusterSnapshot(ClusterRole.MASTER, 4000, 2, 2, 1, 8080,
				List.of(replaced, crashed), null, "reuseport", 1);
		this.runner.withBean(ClusterOperations.class, () -> new FixedStatus(snapshot)).run((context) -> {
			MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
			mvc.perform(get("/actuator/cluster"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.restarts").value(1))
				.andExpect(jsonPath("$.workers[0].pid").value(4243))
				.andExpect(jsonPath("$.workers[0].startedFor").value("RESTART"))
				.andExpect(jsonPath("$.workers[0].restarts").value(0))
				.andExpect(jsonPath("$.workers[0].replacements").value(1))
				.andExpect(jsonPath("$.workers[0].lastExit.pid").value(4201))
				.andExpect(jsonPath("$.workers[0].lastExit.exitCode").value(0))
				.andExpect(jsonPath("$.workers[0].lastExit.cause").value("REPLACED"))
				.andExpect(jsonPath("$.workers[0].lastExit.at").value("2025-03-01T10:20:00Z"))
				.andExpect(jsonPath("$.workers[0].lastExitCode").doesNotExist())
				.andExpect(jsonPath("$.workers[1].startedFor").value("CRASH"))
				.andExpect(jsonPath("$.workers[1].restarts").value(1))
				.andExpect(jsonPath("$.workers[1].replacements").value(0))
				.andExpect(jsonPath("$.workers[1].lastExit.exitCode").value(137))
				.andExpect(jsonPath("$.workers[1].lastExit.cause").value("CRASHED"));
		});
	}

	private void run(MvcTest test) {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			test.accept(MockMvcBuilders.webAppContextSetup(context).build(), context.getBean(Listener.class));
		});
	}

	private static void perform(MockMvc mvc, String action, @Nullable String body, int expectedStatus) {
		try {
			var request = post("/actuator/cluster/" + action);
			if (body != null) {
				request = request.contentType(MediaType.APPLICATION_JSON).content(body);
			}
			mvc.perform(request).andExpect(status().is(expectedStatus));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The status of a master, as a worker would relay it. */
	private record FixedStatus(ClusterSnapshot status) implements ClusterOperations {

		@Override
		public RestartOutcome restart(String trigger) {
			throw new UnsupportedOperationException("not in this test");
		}

		@Override
		public ClusterRole role() {
			return ClusterRole.WORKER;
		}

		@Override
		public int workerId() {
			return 1;
		}

	}

	@FunctionalInterface
	private interface MvcTest {

		void accept(MockMvc mvc, Listener listener);

	}

	@Configuration(proxyBeanMethods = false)
	static class ListenerConfiguration {

		@Bean
		Listener listener() {
			return new Listener();
		}

	}

	static class Listener {

		final List<ClusterMessageEvent> events = new CopyOnWriteArrayList<>();

		@EventListener
		void on(ClusterMessageEvent event) {
			this.events.add(event);
		}

	}

}
