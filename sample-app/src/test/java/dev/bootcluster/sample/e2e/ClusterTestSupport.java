package dev.bootcluster.sample.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that starts its own cluster: whatever it started is killed when the test ends,
 * pass or fail ({@link ClusterCleanup} kills even a cluster that never got assigned to
 * {@link #cluster}). Assign first, then wait:
 * {@code this.cluster = ClusterProcess.start(...); this.cluster.awaitReady(2);}.
 */
@ExtendWith(ClusterCleanup.class)
abstract class ClusterTestSupport {

	protected ClusterProcess cluster;

	@AfterEach
	void stopCluster() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

}
