package dev.bootcluster.sample.e2e;

import org.junit.jupiter.api.AfterEach;

/**
 * A test that starts its own cluster: whatever it started is killed when the test ends, pass or
 * fail.
 */
abstract class ClusterTestSupport {

	protected ClusterProcess cluster;

	@AfterEach
	void stopCluster() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

}
