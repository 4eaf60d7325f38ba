package dev.bootcluster.context;

import org.jspecify.annotations.Nullable;

/**
 * A {@code cluster.*} property has a value the starter cannot use. Reported at startup by
 * a failure analyzer that names the property and the accepted values.
 */
public class ClusterConfigurationException extends RuntimeException {

	private final String property;

	private final @Nullable Object value;

	private final String accepted;

	public ClusterConfigurationException(String property, @Nullable Object value, String accepted) {
		super("Invalid value '" + value + "' for property '" + property + "': accepted values are " + accepted);
		this.property = property;
		this.value = value;
		this.accepted = accepted;
	}

	public String getProperty() {
		return this.property;
	}

	public @Nullable Object getValue() {
		return this.value;
	}

	public String getAccepted() {
		return this.accepted;
	}

}
