package dev.bootcluster.messaging;

import java.time.Duration;

/**
 * Sends payloads between the processes of a cluster, as Node's {@code worker.send} and
 * {@code process.on('message')} do, typed. A payload is any object Jackson can write (a
 * record is best); it travels as JSON with its class name as type, and each receiving
 * process publishes it as a Spring event of that class
 * ({@code @EventListener void on(UsersCount count)}). A receiver that does not know the
 * type (another build during a rolling deploy, or untyped JSON from the actuator
 * endpoint) gets a {@link ClusterMessageEvent} with the raw JSON instead.
 * <p>
 * Broadcasts go to every worker, the sending worker included; the master does not receive
 * them. A <em>retained</em> broadcast is also kept by the master as the latest value of
 * its topic: a worker that starts later (crash replacement, rolling restart) receives
 * every retained value before it reports READY and before its web server accepts
 * connections.
 * <p>
 * In a STANDALONE process (tests, {@code cluster.enabled=false}) everything is delivered
 * locally: the process is the master and the only worker.
 */
public interface ClusterMessenger {

	/**
	 * Default time to wait for acknowledgements and answers
	 * ({@code cluster.ipc.request-timeout}).
	 */
	Duration timeout();

	/**
	 * Delivers {@code payload} to every ready worker, with its type name as topic.
	 * @return how many ready workers acknowledged receiving it (their listeners run right
	 * after, in arrival order, one at a time in each worker)
	 * @throws PayloadTooLargeException if the payload is over
	 * {@code cluster.ipc.max-message-size} (nothing is delivered)
	 * @throws ClusterMessagingException if the master cannot be reached
	 */
	default BroadcastResult broadcast(Object payload) {
		return broadcast(PayloadCodec.typeName(payload), payload);
	}

	/** Delivers {@code payload} to every ready worker under {@code topic}. */
	default BroadcastResult broadcast(String topic, Object payload) {
		return publish(topic, payload, false);
	}

	/**
	 * Delivers {@code payload} to every worker and keeps it as the latest value of its
	 * topic (its type name), for workers that start later.
	 */
	default BroadcastResult broadcastRetained(Object payload) {
		return broadcastRetained(PayloadCodec.typeName(payload), payload);
	}

	/**
	 * Delivers {@code payload} under {@code topic} and keeps it as that topic's latest
	 * value.
	 */
	default BroadcastResult broadcastRetained(String topic, Object payload) {
		return publish(topic, payload, true);
	}

	/**
	 * Broadcasts, retained or not.
	 * @param topic the topic (retained values are kept per topic)
	 * @param payload the payload
	 * @param retained whether the master keeps it for workers that start later
	 */
	BroadcastResult publish(String topic, Object payload, boolean retained);

	/**
	 * Broadcasts a JSON text without a type: receivers get a {@link ClusterMessageEvent},
	 * unless {@code type} names a class they know.
	 * @throws IllegalArgumentException if {@code json} is not valid JSON
	 */
	BroadcastResult publishJson(String topic, String json, @org.jspecify.annotations.Nullable String type,
			boolean retained);

	/**
	 * Delivers {@code payload} to one worker.
	 * @return whether that worker was READY and acknowledged it
	 */
	boolean send(int workerId, Object payload);

	/**
	 * Asks the master: its {@code @EventListener} methods that take a
	 * {@link ClusterRequest} of the payload's class answer with
	 * {@link ClusterRequest#reply(Object)}.
	 * @throws ClusterMessagingException if nobody in the master answered, it failed, or
	 * the master cannot be reached within {@link #timeout()}
	 */
	<R> R request(Object payload, Class<R> replyType);

}
