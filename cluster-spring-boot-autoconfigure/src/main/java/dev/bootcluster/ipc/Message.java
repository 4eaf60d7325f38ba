package dev.bootcluster.ipc;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;

/**
 * Every message that crosses the IPC socket. The JSON carries the record's simple type name in
 * {@code type}; an unknown name is a protocol error, never a class lookup.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({ @JsonSubTypes.Type(value = Message.Hello.class, name = "hello"),
		@JsonSubTypes.Type(value = Message.Ready.class, name = "ready"),
		@JsonSubTypes.Type(value = Message.Heartbeat.class, name = "heartbeat"),
		@JsonSubTypes.Type(value = Message.StatusRequest.class, name = "status-request"),
		@JsonSubTypes.Type(value = Message.StatusReply.class, name = "status-reply"),
		@JsonSubTypes.Type(value = Message.RestartRequest.class, name = "restart-request"),
		@JsonSubTypes.Type(value = Message.RestartReply.class, name = "restart-reply"),
		@JsonSubTypes.Type(value = Message.Drain.class, name = "drain") })
public sealed interface Message {

	/** First frame a worker sends: who it is and the cluster token that proves it. */
	record Hello(int workerId, long pid, String token) implements Message {

		public Hello {
			Objects.requireNonNull(token, "token");
		}

		@Override
		public String toString() {
			return "Hello[workerId=" + this.workerId + ", pid=" + this.pid + ", token=<hidden>]";
		}

	}

	/** The worker's application reported ACCEPTING_TRAFFIC with its listener bound. */
	record Ready(int workerId) implements Message {
	}

	/** Periodic sign of life with a small metrics sample. */
	record Heartbeat(int workerId, long heapUsedBytes) implements Message {
	}

	/** A worker asks the master for the cluster status. */
	record StatusRequest(long requestId) implements Message {
	}

	/**
	 * The master's status, as the answer to a {@link StatusRequest} (requestId > 0) or pushed
	 * after a heartbeat (requestId 0).
	 */
	record StatusReply(long requestId, ClusterSnapshot snapshot) implements Message {

		public StatusReply {
			Objects.requireNonNull(snapshot, "snapshot");
		}

	}

	/** A worker relays a rolling-restart request (from the actuator endpoint) to the master. */
	record RestartRequest(long requestId, String trigger) implements Message {

		public RestartRequest {
			Objects.requireNonNull(trigger, "trigger");
		}

	}

	/**
	 * The master's answer to a {@link RestartRequest}: whether a new rolling restart started, and
	 * the operation (the new one, or the one already running).
	 */
	record RestartReply(long requestId, boolean started, RestartOperation operation) implements Message {

		public RestartReply {
			Objects.requireNonNull(operation, "operation");
		}

	}

	/**
	 * The master tells a worker to drain: refuse traffic, close its listeners, finish what it holds
	 * (waiting for {@code quietPeriodMillis} without requests), give keep-alive clients up to
	 * {@code keepAliveMillis} to close their connections, then exit.
	 */
	record Drain(long quietPeriodMillis, long keepAliveMillis, long timeoutMillis) implements Message {
	}

}
