package dev.bootcluster.context;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.support.GenericApplicationContext;

import dev.bootcluster.ipc.Message;
import dev.bootcluster.web.RequestTracker;
import dev.bootcluster.web.WorkerWebServer;

import static dev.bootcluster.context.FakeMaster.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link WorkerDrain} with a stand-in web server: its request executor runs the
 * heartbeat probes, and a drain ends within the drain timeout.
 */
class WorkerDrainTest {

	private final RequestTracker requests = new RequestTracker();

	private final GenericApplicationContext context = new GenericApplicationContext();

	private final List<Object> readiness = new CopyOnWriteArrayList<>();

	private final CompletableFuture<Long> exited = new CompletableFuture<>();

	private FakeMaster master;

	@BeforeEach
	void start() {
		this.context.addApplicationListener(
				(ApplicationListener<AvailabilityChangeEvent<?>>) (event) -> this.readiness.add(event.getState()));
		this.context.refresh();
	}

	@AfterEach
	void stop() throws IOException {
		if (this.master != null) {
			this.master.close();
		}
		this.context.close();
	}

	@Test
	void theMainServersRequestExecutorRunsTheHeartbeatProbesTheManagementServersNot() throws IOException {
		this.master = new FakeMaster(20);
		FakeServer main = new FakeServer(8080);
		FakeServer management = new FakeServer(8081);
		WorkerDrain drain = drain(new FakeKind(List.of(main, management)));
		drain.onApplicationEvent(initialized(management, "management"));
		// heartbeats still go directly: two after the event, none left waiting as a
		// probe in the management server's executor
		markAndSkipTheHeartbeatsBefore(false);
		assertThat(this.master.receive()).isInstanceOf(Message.Pulse.class);
		assertThat(this.master.receive()).isInstanceOf(Message.Pulse.class);
		assertThat(management.probes).isEmpty();
		drain.onApplicationEvent(initialized(main, null));
		await().atMost(TIMEOUT).until(() -> !main.probes.isEmpty());
		// no heartbeat after this until the probe ran
		markAndSkipTheHeartbeatsBefore(true);
		await().during(Duration.ofMillis(200)).atMost(TIMEOUT).until(() -> main.probes.size() == 1);
		this.master.agent().liveness(false);
		assertThat(this.master.receive()).isEqualTo(new Message.Liveness(false));
		main.probes.poll().run();
		assertThat(this.master.receive()).isInstanceOf(Message.Pulse.class);
		assertThat(management.probes).isEmpty();
	}

	/** Sends a marker and skips the heartbeats sent before it. */
	private void markAndSkipTheHeartbeatsBefore(boolean marker) {
		this.master.agent().liveness(marker);
		assertThat(this.master.next()).isEqualTo(new Message.Liveness(marker));
	}

	@Test
	void theWholeDrainFitsInTheDrainTimeoutWhateverTheKeepAliveTimeout() throws IOException {
		FakeServer server = new FakeServer(8080);
		WorkerDrain drain = drainWithOneOpenConnection(server);
		// a request that never ends, a keep-alive client that never closes
		this.requests.started();
		long timeout = 4000;
		long keepAlive = 20_000;
		CompletableFuture<Long> took = drainOnAThread(drain, new Message.Drain(50, keepAlive, timeout));
		// before, the keep-alive wait (up to the timeout again) came on top of it
		assertThat(took).succeedsWithin(TIMEOUT);
		// at least the timeout (a request never ends), and not the keep-alive wait on top
		assertThat(took.join()).isBetween(timeout, keepAlive);
		assertThat(this.exited).isDone();
		assertThat(server.listenersClosed).hasValue(1);
		assertThat(this.readiness).containsExactly(ReadinessState.REFUSING_TRAFFIC);
	}

	@Test
	void aQuietWorkerWaitsForItsKeepAliveClientsAtMostTheKeepAliveTimeout() throws IOException {
		FakeServer server = new FakeServer(8080);
		WorkerDrain drain = drainWithOneOpenConnection(server);
		long keepAlive = 300;
		long timeout = 30_000;
		CompletableFuture<Long> took = drainOnAThread(drain, new Message.Drain(50, keepAlive, timeout));
		assertThat(took).succeedsWithin(Duration.ofMillis(timeout / 2));
		assertThat(took.join()).isBetween(keepAlive, timeout / 2);
		assertThat(this.exited).isDone();
	}

	@Test
	void aDrainEndsAsSoonAsTheWorkerIsQuietAndItsClientsClosed() throws IOException {
		FakeServer server = new FakeServer(8080);
		WorkerDrain drain = drainWithOneOpenConnection(server);
		this.requests.started();
		CompletableFuture<Long> took = drainOnAThread(drain, new Message.Drain(50, 60_000, 60_000));
		await().atMost(TIMEOUT).until(() -> server.listenersClosed.get() == 1);
		this.requests.finished();
		server.connections.set(0);
		assertThat(took).succeedsWithin(TIMEOUT);
		assertThat(took.join()).isLessThan(30_000);
		assertThat(this.exited).isDone();
	}

	private CompletableFuture<Long> drainOnAThread(WorkerDrain drain, Message.Drain message) {
		CompletableFuture<Long> took = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			long start = System.nanoTime();
			drain.drain(message);
			took.complete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
		}, "cluster-drain");
		thread.setDaemon(true);
		thread.start();
		return took;
	}

	/**
	 * A drain of one server (bound, with one open connection) on a fake master whose
	 * heartbeats are rare.
	 */
	private WorkerDrain drainWithOneOpenConnection(FakeServer server) throws IOException {
		this.master = new FakeMaster(600_000);
		server.connections.set(1);
		WorkerDrain drain = drain(new FakeKind(List.of(server)));
		drain.onApplicationEvent(initialized(server, null));
		return drain;
	}

	private WorkerDrain drain(FakeKind kind) {
		return new WorkerDrain(this.master.agent(), this.context, this.requests, () -> List.of(kind), false,
				() -> this.exited.complete(System.nanoTime()));
	}

	private static ReactiveWebServerInitializedEvent initialized(WebServer server, @Nullable String namespace) {
		ReactiveWebServerApplicationContext context = new ReactiveWebServerApplicationContext();
		context.setServerNamespace(namespace);
		return new ReactiveWebServerInitializedEvent(server, context);
	}

	/** A started server: its connections, its listeners, its request executor. */
	private static final class FakeServer implements WebServer {

		private final int port;

		final AtomicInteger connections = new AtomicInteger();

		final AtomicInteger listenersClosed = new AtomicInteger();

		/** Probes submitted to its request executor, not yet run. */
		final Queue<Runnable> probes = new ConcurrentLinkedQueue<>();

		FakeServer(int port) {
			this.port = port;
		}

		@Override
		public void start() {
		}

		@Override
		public void stop() {
		}

		@Override
		public int getPort() {
			return this.port;
		}

	}

	/** Drives the fake servers. */
	private record FakeKind(List<FakeServer> servers) implements WorkerWebServer {

		@Override
		public boolean supports(WebServer server) {
			return this.servers.contains(server);
		}

		@Override
		public void verifyListener(WebServer server, boolean shared) {
		}

		@Override
		public int closeListeners(WebServer server) {
			return ((FakeServer) server).listenersClosed.incrementAndGet();
		}

		@Override
		public int openConnections(WebServer server) {
			return ((FakeServer) server).connections.get();
		}

		@Override
		public Executor requestExecutor(WebServer server) {
			return ((FakeServer) server).probes::add;
		}

	}

}
