package dev.bootcluster.context;

import java.util.function.IntSupplier;

import org.jspecify.annotations.Nullable;

/**
 * Parses {@code cluster.workers}: {@code auto} (the container-aware CPU count) or a whole
 * number from 1 to {@value #MAX}.
 */
public final class WorkerCount {

	/** Most workers one master runs. */
	public static final int MAX = 256;

	static final String PROPERTY = "cluster.workers";

	static final String ACCEPTED = "'auto' or a whole number from 1 to " + MAX;

	private WorkerCount() {
	}

	public static int parse(@Nullable String value) {
		return parse(value, () -> Runtime.getRuntime().availableProcessors());
	}

	/**
	 * @param value the property value
	 * @param cpus the CPU count {@code auto} stands for
	 * @throws ClusterConfigurationException if the value is not accepted
	 */
	public static int parse(@Nullable String value, IntSupplier cpus) {
		if (value == null) {
			throw new ClusterConfigurationException(PROPERTY, null, ACCEPTED);
		}
		String trimmed = value.trim();
		if (trimmed.equalsIgnoreCase("auto")) {
			return Math.max(1, Math.min(MAX, cpus.getAsInt()));
		}
		if (!trimmed.matches("[0-9]{1,4}")) {
			throw new ClusterConfigurationException(PROPERTY, value, ACCEPTED);
		}
		int count = Integer.parseInt(trimmed);
		if (count < 1 || count > MAX) {
			throw new ClusterConfigurationException(PROPERTY, value, ACCEPTED);
		}
		return count;
	}

}
