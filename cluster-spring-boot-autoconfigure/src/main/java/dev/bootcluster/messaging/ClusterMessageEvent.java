package dev.bootcluster.messaging;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEvent;

/**
 * A message whose payload has no type this process knows: untyped JSON (as from
 * {@code POST /actuator/cluster/broadcast}), or a type from another build.
 */
public class ClusterMessageEvent extends ApplicationEvent {

	private final int sender;

	private final String topic;

	private final @Nullable String type;

	private final String json;

	private final boolean retained;

	public ClusterMessageEvent(Object source, int sender, String topic, @Nullable String type, String json,
			boolean retained) {
		super(source);
		this.sender = sender;
		this.topic = topic;
		this.type = type;
		this.json = json;
		this.retained = retained;
	}

	/**
	 * Worker id of the sending process (0: the master, or the actuator endpoint of a
	 * standalone app).
	 */
	public int sender() {
		return this.sender;
	}

	public String topic() {
		return this.topic;
	}

	/** The type name the sender gave, if any. */
	public @Nullable String type() {
		return this.type;
	}

	/** The payload as JSON text. */
	public String json() {
		return this.json;
	}

	/** Whether it was a retained broadcast (the latest value of its topic). */
	public boolean retained() {
		return this.retained;
	}

	@Override
	public String toString() {
		return "ClusterMessageEvent[sender=" + this.sender + ", topic=" + this.topic + ", type=" + this.type
				+ ", retained=" + this.retained + ", json=" + this.json + "]";
	}

}
