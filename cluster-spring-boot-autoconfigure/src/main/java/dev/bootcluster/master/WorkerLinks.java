package dev.bootcluster.master;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ClusterSnapshot;
import dev.bootcluster.RestartOperation;
import dev.bootcluster.WorkerEnvironment;
import dev.bootcluster.WorkerSnapshot;
import dev.bootcluster.WorkerState;
import dev.bootcluster.ipc.IpcChannel;
import dev.bootcluster.ipc.IpcServer;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.Message.Hello;
import dev.bootcluster.ipc.MessageTooLargeException;

/**
 * The supervisor's IPC side: a single-use token for each worker process, the
 * authentication of each connection by its hello (the token of a process the master
 * started, with that process's pid), and what workers send. Reader threads call in; what
 * touches worker state goes to the supervisor's loop, messaging (acknowledgements,
 * publishes, requests) straight to the {@link MessageHub}, whose sends only queue, and
 * store requests to the {@link StoreService}, answered on the reader thread itself.
 */
final class WorkerLinks implements IpcServer.Handler {

	private static final Log logger = LogFactory.getLog(WorkerLinks.class);

	private final Supervisor supervisor;

	private final SupervisorLoop loop;

	private final MessageHub messages;

	private final StoreService store;

	private final ScheduleLog schedules = new ScheduleLog();

	private final SecureRandom random = new SecureRandom();

	/** Unused tokens of launched workers. */
	private final Map<String, Worker> tokens = new ConcurrentHashMap<>();

	/** Where messages go: workers with a connection, STARTING or READY. */
	private volatile List<MessageHub.Recipient> recipients = List.of();

	WorkerLinks(Supervisor supervisor, SupervisorLoop loop, MessageHub messages, StoreService store) {
		this.supervisor = supervisor;
		this.loop = loop;
		this.messages = messages;
		this.store = store;
		messages.recipients(() -> this.recipients);
	}

	/** A new random token, for a process about to be started. */
	String newToken() {
		byte[] secret = new byte[32];
		this.random.nextBytes(secret);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
	}

	/** Accepts the worker's token once, from now on. */
	void expect(Worker worker) {
		this.tokens.put(worker.token, worker);
	}

	/** The process is gone: its token, if unused, is no longer accepted. */
	void forget(Worker worker) {
		this.tokens.remove(worker.token);
		if (worker.pid != -1) {
			this.messages.queries().processGone(worker.slot.id, worker.pid);
		}
		close(worker);
	}

	/**
	 * Publishes where messages go now (on the loop, after any change of a worker's state
	 * or connection).
	 */
	void publishRecipients(Collection<Slot> slots) {
		List<MessageHub.Recipient> list = new ArrayList<>();
		for (Slot slot : slots) {
			addRecipient(list, slot.current);
			if (slot.retiring != null) {
				addRecipient(list, slot.retiring);
			}
		}
		this.recipients = List.copyOf(list);
	}

	private static void addRecipient(List<MessageHub.Recipient> list, Worker worker) {
		IpcChannel channel = worker.channel;
		if (channel != null && (worker.state == WorkerState.STARTING || worker.state == WorkerState.READY)) {
			// a silent worker gets what is sent, but is not waited for
			list.add(new MessageHub.Recipient(worker.slot.id, worker.pid, channel,
					worker.state == WorkerState.READY && !worker.silent, worker.state == WorkerState.STARTING,
					worker.protocol >= WorkerEnvironment.PROTOCOL_QUERIES));
		}
	}

	// ---- reader threads ----

	@Override
	public IpcServer.@Nullable Peer authenticate(Hello hello, IpcChannel channel) {
		// single use: a token is gone once presented, whatever comes of it
		Worker worker = this.tokens.remove(hello.token());
		String refused = null;
		if (worker == null) {
			refused = "its token is not one the master gave a process it is starting";
		}
		else if (worker.slot.id != hello.workerId()) {
			refused = "its token is worker-" + worker.slot.id + "'s";
		}
		else if (worker.pid != -1 && worker.pid != hello.pid()) {
			refused = "its token is that of pid " + worker.pid;
		}
		if (refused != null) {
			logger.warn("Refusing IPC connection from a peer claiming to be worker-" + hello.workerId() + " (pid "
					+ hello.pid() + "): " + refused);
			return null;
		}
		this.loop.execute(() -> connected(worker, hello, channel));
		return new Link(worker, hello.pid());
	}

	@Override
	public void received(IpcServer.Peer peer, IpcChannel channel, Message message) {
		Link link = (Link) peer;
		Worker worker = link.worker();
		if (message instanceof Message.Delivered delivered) {
			this.messages.delivered(worker.pid, delivered.deliveryId());
		}
		else if (message instanceof Message.Publish publish) {
			this.messages.publishFrom(worker.slot.id, publish, channel);
		}
		else if (message instanceof Message.CacheInvalidated invalidated) {
			this.messages.invalidations().invalidated(channel, invalidated.invalidationId());
		}
		else if (message instanceof Message.CacheInvalidate invalidate) {
			this.messages.invalidations().invalidateFrom(worker.slot.id, channel, invalidate);
		}
		else if (message instanceof Message.Ask ask) {
			this.messages.ask(worker.slot.id, ask, channel);
		}
		else if (message instanceof Message.StoreRequest request) {
			// answered on this thread: the loop is not on a request's way
			this.store.handle(link.pid(), channel, request);
		}
		else if (message instanceof Message.StoreWatch watch) {
			this.store.watch(channel, watch.prefix());
		}
		else if (message instanceof Message.Schedules schedules) {
			this.schedules.reported(worker.describe(), schedules);
		}
		else if (message instanceof Message.Collect collect) {
			this.messages.queries().collectFrom(worker.slot.id, channel, collect);
		}
		else if (message instanceof Message.QueryResult result) {
			this.messages.queries().result(channel, result);
		}
		else if (message instanceof Message.Features features) {
			this.loop.execute(() -> {
				if (worker.channel == channel) {
					worker.protocol = features.protocol();
					this.supervisor.linksChanged();
				}
			});
		}
		else if (message instanceof Message.Ready || message instanceof Message.Heartbeat
				|| message instanceof Message.Pulse || message instanceof Message.StatusRequest
				|| message instanceof Message.RestartRequest || message instanceof Message.Liveness
				|| message instanceof Message.ScaleRequest) {
			this.loop.execute(() -> handle(worker, channel, message));
		}
		else {
			logger.warn("Ignoring " + message.getClass().getSimpleName() + " sent to the master by " + worker);
		}
	}

	@Override
	public void disconnected(IpcServer.Peer peer, IpcChannel channel) {
		Link link = (Link) peer;
		Worker worker = link.worker();
		this.messages.disconnected(worker.pid);
		this.messages.invalidations().disconnected(channel);
		this.messages.queries().disconnected(channel);
		// after the connection's last request, on its reader thread
		this.store.disconnected(link.pid(), channel);
		this.loop.execute(() -> {
			if (worker.channel == channel) {
				worker.channel = null;
				this.supervisor.linksChanged();
			}
		});
	}

	/**
	 * An authenticated connection: the worker, and the pid its hello gave (the process
	 * whose store entries it holds; checked against the started process's pid, which may
	 * not be known yet, by the time the process is seen to start).
	 */
	record Link(Worker worker, long pid) implements IpcServer.Peer {

		@Override
		public String describe() {
			return this.worker.describe();
		}

	}

	// ---- on the loop ----

	private void connected(Worker worker, Hello hello, IpcChannel channel) {
		if (!worker.state.isAlive()) {
			channel.close();
			return;
		}
		if (worker.pid == -1) {
			// the launcher has not reported the start yet: checked when it does
			worker.claimedPid = hello.pid();
		}
		close(worker);
		worker.channel = channel;
		this.supervisor.linksChanged();
		// after the channel is visible to broadcasts, so no retained value is missed (one
		// sent in between may arrive twice; the worker keeps the newest of each topic)
		this.messages.welcome(channel);
	}

	/** Closes the connection of a worker whose start showed it was not its own. */
	void refuse(Worker worker, String why) {
		logger.warn("Refusing the IPC connection of " + worker + ": " + why);
		close(worker);
		this.supervisor.linksChanged();
	}

	private void handle(Worker worker, IpcChannel channel, Message message) {
		if (worker.channel != channel) {
			return;
		}
		try {
			if (message instanceof Message.Ready) {
				this.supervisor.ready(worker);
			}
			else if (message instanceof Message.Heartbeat heartbeat) {
				this.supervisor.heartbeat(worker, heartbeat.heapUsedBytes());
				sendStatus(channel, 0);
			}
			else if (message instanceof Message.Pulse pulse) {
				this.supervisor.pulse(worker, pulse);
				sendStatus(channel, 0);
			}
			else if (message instanceof Message.StatusRequest request) {
				sendStatus(channel, request.requestId());
			}
			else if (message instanceof Message.RestartRequest request) {
				channel.sendUrgent(this.supervisor.rollingRestart(request.requestId(), request.trigger()));
			}
			else if (message instanceof Message.Liveness liveness) {
				this.supervisor.liveness(worker, liveness.broken());
			}
			else if (message instanceof Message.ScaleRequest request) {
				channel.sendUrgent(scale(request));
			}
		}
		catch (IOException ex) {
			logger.debug("Cannot answer " + worker + ": " + ex.getMessage());
		}
		catch (IllegalStateException ex) {
			logger.info(
					"Not acting on " + message.getClass().getSimpleName() + " from " + worker + ": " + ex.getMessage());
		}
	}

	private Message.ScaleReply scale(Message.ScaleRequest request) {
		try {
			int previous = this.supervisor.scale(request.workers(), request.trigger());
			return new Message.ScaleReply(request.requestId(), previous, request.workers(), null, false);
		}
		catch (IllegalArgumentException ex) {
			return new Message.ScaleReply(request.requestId(), 0, 0, ex.getMessage(), true);
		}
		catch (IllegalStateException ex) {
			return new Message.ScaleReply(request.requestId(), 0, 0, ex.getMessage(), false);
		}
	}

	/**
	 * Sends the status; when it is over the IPC size limit (many slots with failure
	 * reports), sends it without the failure lines.
	 */
	private void sendStatus(IpcChannel channel, long requestId) throws IOException {
		ClusterSnapshot snapshot = this.supervisor.buildSnapshot();
		try {
			channel.sendUrgent(new Message.StatusReply(requestId, snapshot));
		}
		catch (MessageTooLargeException ex) {
			channel.sendUrgent(new Message.StatusReply(requestId, withoutLines(snapshot)));
		}
	}

	private static ClusterSnapshot withoutLines(ClusterSnapshot snapshot) {
		List<WorkerSnapshot> trimmed = snapshot.workers().stream().map(WorkerSnapshot::withoutLines).toList();
		RestartOperation restart = snapshot.restart();
		if (restart != null) {
			restart = new RestartOperation(restart.id(), restart.state(), restart.trigger(), restart.replaced(),
					restart.total(), restart.step(), restart.startedAt(), restart.finishedAt(), restart.reason(),
					List.of());
		}
		return new ClusterSnapshot(snapshot.role(), snapshot.masterPid(), snapshot.desired(), snapshot.ready(),
				snapshot.restarts(), snapshot.port(), trimmed, restart, snapshot.listener(), snapshot.tcpMigrateReq(),
				snapshot.store(), snapshot.masterRssBytes());
	}

	/** Closes a worker's connection, if it has one. */
	void close(Worker worker) {
		IpcChannel channel = worker.channel;
		if (channel != null) {
			channel.close();
			worker.channel = null;
		}
	}

}
