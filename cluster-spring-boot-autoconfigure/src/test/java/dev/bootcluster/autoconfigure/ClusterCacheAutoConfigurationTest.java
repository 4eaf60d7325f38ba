package dev.bootcluster.autoconfigure;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cache.support.NoOpCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.cache.ClusterCacheManager;
import dev.bootcluster.cache.ClusterCacheManagerPostProcessor;
import dev.bootcluster.cache.NearCache;
import dev.bootcluster.cache.SharedCache;
import dev.bootcluster.context.ClusterConfigurationException;
import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.worker.WorkerAgent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterCacheAutoConfiguration}. A worker's context gets a
 * {@link WorkerAgent} connected to a fake master, which answers every cache invalidation
 * (as if every other worker had confirmed it) and keeps what it received.
 */
class ClusterCacheAutoConfigurationTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ClusterAutoConfiguration.class, ClusterCacheAutoConfiguration.class,
				CacheAutoConfiguration.class))
		.withPropertyValues("spring.cache.type=simple");

	private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();

	private Path root;

	private ServerSocketChannel server;

	private WorkerAgent agent;

	private IpcChannel master;

	private Thread masterThread;

	@BeforeEach
	void connect() throws IOException {
		this.root = Files.createTempDirectory(Path.of("/tmp"), "caches-");
		Path socket = this.root.resolve("m.sock");
		this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		this.server.bind(UnixDomainSocketAddress.of(socket));
		this.agent = WorkerAgent.connect(new WorkerEnvironment(1, socket, "token", ProcessHandle.current().pid(), 0,
				null, 64 * 1024, 600_000, false));
		this.master = new IpcChannel(this.server.accept(), new FrameCodec(64 * 1024));
		// no retained values to replay
		this.master.send(new Message.Welcome(0));
		this.masterThread = new Thread(this::answer, "fake-master");
		this.masterThread.setDaemon(true);
		this.masterThread.start();
	}

	private void answer() {
		try {
			Message message;
			while ((message = this.master.receive()) != null) {
				if (message instanceof Message.CacheInvalidate invalidate) {
					this.master.send(new Message.CacheInvalidateReply(invalidate.requestId(), 1, 1));
				}
				if (!(message instanceof Message.Heartbeat) && !(message instanceof Message.Pulse)
						&& !(message instanceof Message.Hello) && !(message instanceof Message.Features)) {
					this.received.add(message);
				}
			}
		}
		catch (IOException ex) {
			// closed
		}
	}

	@AfterEach
	void close() throws Exception {
		// the agent first: a worker whose master closes the link halts its JVM
		this.agent.close();
		this.master.close();
		this.masterThread.join(TIMEOUT.toMillis());
		this.server.close();
		Files.deleteIfExists(this.root.resolve("m.sock"));
		Files.deleteIfExists(this.root);
	}

	@Test
	void aStandaloneApplicationsCachesAreLeftAlone() {
		this.runner.withUserConfiguration(Caching.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ClusterCacheManagerPostProcessor.class);
			assertThat(context.getBean(CacheManager.class)).isInstanceOf(ConcurrentMapCacheManager.class);
		});
	}

	@Test
	void aWorkerWithoutItsAgentDecoratesNothing() {
		this.runner.withUserConfiguration(Caching.class)
			.withPropertyValues("cluster.internal.role=WORKER")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ClusterCacheManagerPostProcessor.class);
				assertThat(context.getBean(CacheManager.class)).isInstanceOf(ConcurrentMapCacheManager.class);
			});
	}

	@Test
	void aWorkersSimpleCacheBecomesANearCache() {
		worker().withUserConfiguration(Caching.class).run((context) -> {
			assertThat(context).hasNotFailed();
			CacheManager manager = context.getBean(CacheManager.class);
			assertThat(manager).isInstanceOf(ClusterCacheManager.class);
			assertThat(((ClusterCacheManager) manager).getDelegate()).isInstanceOf(ConcurrentMapCacheManager.class);
			assertThat(manager.getCache("prices")).isInstanceOf(NearCache.class);
		});
	}

	@Test
	void aUsersCaffeineManagerIsDecoratedAndOtherManagersAreLeftAlone() {
		worker().withPropertyValues("spring.cache.type=none")
			.withBean("caffeineCacheManager", CacheManager.class, CaffeineCacheManager::new)
			.withBean("noOpCacheManager", CacheManager.class, NoOpCacheManager::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean("caffeineCacheManager")).isInstanceOf(ClusterCacheManager.class);
				assertThat(context.getBean("noOpCacheManager")).isInstanceOf(NoOpCacheManager.class);
			});
	}

	@Test
	void inSharedModeCachesLiveInTheStore() {
		worker().withUserConfiguration(Caching.class)
			.withPropertyValues("cluster.cache.mode=shared", "cluster.cache.time-to-live=10m")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(CacheManager.class).getCache("prices")).isInstanceOf(SharedCache.class);
			});
	}

	@Test
	void aTimeToLiveMustBePositive() {
		worker().withPropertyValues("cluster.cache.time-to-live=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(ClusterConfigurationException.class)
				.hasMessageContaining("cluster.cache.time-to-live"));
	}

	/**
	 * Through Spring's cache aspect: a {@code @Cacheable} miss fills this worker's cache
	 * and tells no one; a {@code @CachePut} has the other workers drop the key before it
	 * returns.
	 */
	@Test
	void aCacheableFillStaysLocalAndACachePutInvalidatesTheOthers() {
		worker().withUserConfiguration(Caching.class).run((context) -> {
			assertThat(context).hasNotFailed();
			Prices prices = context.getBean(Prices.class);
			assertThat(prices.price("eur")).isEqualTo("eur 1");
			assertThat(prices.price("eur")).isEqualTo("eur 1");
			assertThat(prices.computed()).isEqualTo(1);
			prices.update("eur");
			Message.CacheInvalidate invalidate = (Message.CacheInvalidate) this.received.poll(TIMEOUT.toMillis(),
					TimeUnit.MILLISECONDS);
			assertThat(invalidate).isNotNull();
			assertThat(invalidate.cache()).isEqualTo("cacheManager/prices");
			assertThat(invalidate.key()).isEqualTo("s:eur");
			assertThat(prices.price("eur")).isEqualTo("eur updated");
			assertThat(this.received).as("only the put was sent").isEmpty();
		});
	}

	private ApplicationContextRunner worker() {
		return this.runner.withPropertyValues("cluster.internal.role=WORKER")
			.withBean("clusterWorkerAgent", WorkerAgent.class, () -> this.agent);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class Caching {

		@Bean
		Prices prices() {
			return new Prices();
		}

	}

	static class Prices {

		private final AtomicInteger computed = new AtomicInteger();

		public int computed() {
			return this.computed.get();
		}

		@Cacheable("prices")
		public String price(String currency) {
			return currency + " " + this.computed.incrementAndGet();
		}

		@CachePut(cacheNames = "prices", key = "#currency")
		public String update(String currency) {
			return currency + " updated";
		}

	}

}
