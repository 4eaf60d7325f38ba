package dev.bootcluster.sample.e2e;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * Kills every cluster a test started when the test ends, pass or fail, whether or not the
 * test still holds it: a cluster is registered when its master process starts, so a test
 * that failed in {@code ClusterProcess.start(...).awaitReady(2)} (and never got to assign
 * it) leaves nothing running either. Clusters started in a test method die after that
 * method; clusters started in {@code @BeforeAll} (a class-wide cluster) die after the
 * class. When a test fails, the output tail of every cluster still open is printed, for
 * the report.
 */
final class ClusterCleanup implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

	private static final Namespace NAMESPACE = Namespace.create(ClusterCleanup.class);

	private static final String OPEN_BEFORE_CLASS = "openBeforeClass";

	private static final String OPEN_BEFORE_TEST = "openBeforeTest";

	@Override
	public void beforeAll(ExtensionContext context) {
		context.getStore(NAMESPACE).put(OPEN_BEFORE_CLASS, ClusterProcess.open());
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		context.getStore(NAMESPACE).put(OPEN_BEFORE_TEST, ClusterProcess.open());
	}

	@Override
	public void afterEach(ExtensionContext context) {
		closeStartedSince(context, OPEN_BEFORE_TEST);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		closeStartedSince(context, OPEN_BEFORE_CLASS);
	}

	@SuppressWarnings("unchecked")
	private static void closeStartedSince(ExtensionContext context, String key) {
		if (context.getExecutionException().isPresent()) {
			for (ClusterProcess cluster : ClusterProcess.open()) {
				System.out.println("=== " + context.getDisplayName() + " failed; " + cluster.describe(80));
			}
		}
		Set<ClusterProcess> before = (Set<ClusterProcess>) context.getStore(NAMESPACE).get(key, Set.class);
		Set<ClusterProcess> started = new HashSet<>(ClusterProcess.open());
		if (before != null) {
			started.removeAll(before);
		}
		AssertionError failure = null;
		for (ClusterProcess cluster : started) {
			try {
				cluster.close();
			}
			catch (AssertionError ex) {
				failure = ex;
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

}
