package dev.bootcluster.messaging;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEvent;
import org.springframework.core.ResolvableType;
import org.springframework.core.ResolvableTypeProvider;

/**
 * A request sent to the master with {@link ClusterMessenger#request(Object, Class)},
 * published in the master's context. Answer it from an {@code @EventListener} method for
 * {@code ClusterRequest<YourPayload>}:
 *
 * <pre class="code">
 * &#64;EventListener
 * void add(ClusterRequest&lt;AddUser&gt; request) {
 *     request.reply(new UserAdded(users.insert(request.payload().name())));
 * }
 * </pre>
 *
 * @param <T> the payload type
 */
public class ClusterRequest<T> extends ApplicationEvent implements ResolvableTypeProvider {

	private final int sender;

	private final transient T payload;

	private transient volatile @Nullable Object reply;

	public ClusterRequest(Object source, int sender, T payload) {
		super(source);
		this.sender = sender;
		this.payload = payload;
	}

	/**
	 * Worker id of the asking process (0: the master itself, or a standalone process).
	 */
	public int sender() {
		return this.sender;
	}

	public T payload() {
		return this.payload;
	}

	/**
	 * Answers the request (once).
	 * @throws IllegalStateException if it was answered already
	 */
	public synchronized void reply(Object reply) {
		Objects.requireNonNull(reply, "reply");
		if (this.reply != null) {
			throw new IllegalStateException("This " + this + " was answered already");
		}
		this.reply = reply;
	}

	/** The answer, or null if no listener answered. */
	public @Nullable Object getReply() {
		return this.reply;
	}

	@Override
	public ResolvableType getResolvableType() {
		return ResolvableType.forClassWithGenerics(getClass(), ResolvableType.forInstance(this.payload));
	}

	@Override
	public String toString() {
		return "ClusterRequest<" + this.payload.getClass().getSimpleName() + ">[sender=" + this.sender + "]";
	}

}
