package dev.bootcluster.messaging;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.bootcluster.ipc.IpcException;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.MessageTooLargeException;
import dev.bootcluster.worker.WorkerAgent;

/**
 * A worker's messenger: everything goes through the master, which fans broadcasts out.
 */
public final class WorkerClusterMessenger extends AbstractClusterMessenger {

	private final WorkerAgent agent;

	public WorkerClusterMessenger(WorkerAgent agent, PayloadCodec codec, Duration timeout) {
		super(codec, timeout);
		this.agent = agent;
	}

	@Override
	protected BroadcastResult deliver(int target, String topic, @Nullable String type, JsonNode payload,
			boolean retained) {
		Message.PublishReply reply;
		try {
			reply = this.agent.publish(target, topic, type, payload, retained, timeout().plusSeconds(1));
		}
		catch (MessageTooLargeException ex) {
			throw new PayloadTooLargeException(topic, (int) ex.getSize(), ex.getLimit());
		}
		catch (IpcException ex) {
			throw new ClusterMessagingException(ex.getMessage(), ex);
		}
		if (reply.error() != null) {
			throw new ClusterMessagingException(reply.error());
		}
		return new BroadcastResult(reply.acknowledged(), reply.targets());
	}

	@Override
	protected Message.Answer ask(String type, JsonNode payload) {
		try {
			return this.agent.ask(type, payload, timeout());
		}
		catch (IpcException ex) {
			throw new ClusterMessagingException(ex.getMessage(), ex);
		}
	}

}
