package dev.bootcluster.context;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import dev.bootcluster.ClusterRole;
import dev.bootcluster.WorkerEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the properties {@link ClusterRoleListener} publishes in each role.
 */
class ClusterRoleListenerPropertiesTest {

	@Test
	void workerIndexIsTheWorkersSlot() {
		WorkerEnvironment worker = new WorkerEnvironment(3, Path.of("/tmp/cluster.sock"), "secret", 4242, 8080, null,
				1024 * 1024, 1000, false);
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("cluster", ClusterRoleListener.workerProperties(worker)));
		assertThat(environment.getProperty(ClusterRoleListener.WORKER_INDEX_PROPERTY, Integer.class)).isEqualTo(3);
		assertThat(environment.getProperty("cluster.internal.worker-id")).isEqualTo("3");
		assertThat(environment.getProperty(ClusterRole.PROPERTY)).isEqualTo("WORKER");
	}

	@Test
	void standaloneApplicationIsTheFirstAndOnlyWorker() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("cluster", ClusterRoleListener.standaloneProperties()));
		assertThat(environment.getProperty("cluster.worker.index", Integer.class)).isEqualTo(1);
		assertThat(environment.getProperty(ClusterRole.PROPERTY)).isEqualTo("STANDALONE");
	}

}
