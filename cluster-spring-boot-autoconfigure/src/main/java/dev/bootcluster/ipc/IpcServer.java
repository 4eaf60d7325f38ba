package dev.bootcluster.ipc;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ipc.Message.Hello;

/**
 * The master's end of IPC: accepts workers on a Unix domain socket, has the
 * {@link Handler} authenticate each one by its first frame (a hello with the worker's own
 * token), then hands it every message the peer sends. A refused peer is disconnected at
 * once and nothing else it sent is read; a peer that breaks the protocol is disconnected
 * with a logged reason; the server keeps running.
 */
public final class IpcServer implements Closeable {

	private static final Log logger = LogFactory.getLog(IpcServer.class);

	/** A worker sends its hello as soon as it connected, early in its start. */
	static final Duration DEFAULT_HELLO_TIMEOUT = Duration.ofSeconds(10);

	private final SocketDirectory directory;

	private final FrameCodec codec;

	private final Handler handler;

	private final ServerSocketChannel server;

	private final AtomicBoolean closed = new AtomicBoolean();

	private final Set<IpcChannel> connections = ConcurrentHashMap.newKeySet();

	/** How long a peer may take to send its hello before it is disconnected. */
	private final Duration helloTimeout;

	/** Closes connections that sent no hello in time. */
	private final ScheduledThreadPoolExecutor helloTimeouts;

	public IpcServer(SocketDirectory directory, FrameCodec codec, Handler handler) throws IOException {
		this(directory, codec, handler, DEFAULT_HELLO_TIMEOUT);
	}

	IpcServer(SocketDirectory directory, FrameCodec codec, Handler handler, Duration helloTimeout) throws IOException {
		this.directory = directory;
		this.helloTimeout = helloTimeout;
		this.helloTimeouts = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "cluster-ipc-hello-timeout");
			thread.setDaemon(true);
			return thread;
		});
		this.helloTimeouts.setRemoveOnCancelPolicy(true);
		this.codec = codec;
		this.handler = handler;
		this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		this.server.bind(UnixDomainSocketAddress.of(directory.socket()));
	}

	public SocketDirectory directory() {
		return this.directory;
	}

	public void start() {
		Thread acceptor = new Thread(this::acceptLoop, "cluster-ipc-accept");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	private void acceptLoop() {
		while (!this.closed.get()) {
			try {
				SocketChannel socket = this.server.accept();
				Thread reader = new Thread(() -> serve(new IpcChannel(socket, this.codec)), "cluster-ipc-peer");
				reader.setDaemon(true);
				reader.start();
			}
			catch (ClosedChannelException ex) {
				return;
			}
			catch (IOException ex) {
				if (!this.closed.get()) {
					logger.warn("Accepting an IPC connection failed: " + ex.getMessage());
				}
			}
		}
	}

	private void serve(IpcChannel channel) {
		Peer peer = null;
		Hello hello = null;
		this.connections.add(channel);
		if (this.closed.get()) {
			channel.close();
		}
		// a peer that connects and sends nothing must not hold its thread for good
		ScheduledFuture<?> timeout;
		try {
			timeout = this.helloTimeouts.schedule(() -> {
				logger.warn("Closing IPC connection of a peer that sent no hello within " + this.helloTimeout.toMillis()
						+ " ms");
				channel.close();
			}, this.helloTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// closed meanwhile
			channel.close();
			this.connections.remove(channel);
			return;
		}
		try {
			Message first = channel.receive();
			timeout.cancel(false);
			if (first == null) {
				return;
			}
			if (!(first instanceof Hello candidate)) {
				throw new MalformedFrameException("First frame must be hello, was " + typeName(first));
			}
			hello = candidate;
			peer = this.handler.authenticate(candidate, channel);
			if (peer == null) {
				// refused (and logged by the handler): nothing more is read from it
				return;
			}
			channel.describe(peer.describe());
			while (true) {
				Message message = channel.receive();
				if (message == null) {
					break;
				}
				if (message instanceof Hello) {
					throw new MalformedFrameException("Unexpected second hello");
				}
				this.handler.received(peer, channel, message);
			}
		}
		catch (MalformedFrameException ex) {
			logger.warn("Closing IPC connection of misbehaving peer " + describe(peer, hello) + ": " + ex.getMessage());
		}
		catch (IOException ex) {
			if (!this.closed.get()) {
				logger.debug("IPC connection of " + describe(peer, hello) + " ended: " + ex.getMessage());
			}
		}
		catch (RuntimeException ex) {
			logger.error("Handling a message from " + describe(peer, hello) + " failed; closing its connection", ex);
		}
		finally {
			timeout.cancel(false);
			channel.close();
			this.connections.remove(channel);
			if (peer != null) {
				this.handler.disconnected(peer, channel);
			}
		}
	}

	private static String describe(@Nullable Peer peer, @Nullable Hello hello) {
		if (peer != null) {
			return peer.describe();
		}
		return (hello != null)
				? "unauthenticated peer claiming worker-" + hello.workerId() + " (pid " + hello.pid() + ")"
				: "unauthenticated peer";
	}

	private static String typeName(Message message) {
		return message.getClass().getSimpleName();
	}

	@Override
	public void close() {
		if (this.closed.compareAndSet(false, true)) {
			try {
				this.server.close();
			}
			catch (IOException ex) {
				// closing: nothing left to do
			}
			this.connections.forEach(IpcChannel::close);
			this.helloTimeouts.shutdownNow();
			this.directory.delete();
		}
	}

	/**
	 * Authenticates peers and receives what they send. Called on the connection's reader
	 * thread: it must not block, but for writing an answer to that very peer (which only
	 * a peer that stopped reading holds up, and only its own connection).
	 */
	public interface Handler {

		/**
		 * Decides whether the peer that sent {@code hello} is one of the master's own
		 * workers.
		 * @return the peer to hand its messages with, or null to refuse it (the handler
		 * logs why; the connection is closed and nothing it sent is acted on)
		 */
		@Nullable Peer authenticate(Hello hello, IpcChannel channel);

		void received(Peer peer, IpcChannel channel, Message message) throws IOException;

		void disconnected(Peer peer, IpcChannel channel);

	}

	/** An authenticated peer. */
	public interface Peer {

		/** Who it is, for log lines: {@code worker-N (pid P)}. */
		String describe();

	}

}
