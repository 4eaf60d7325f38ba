package dev.bootcluster.ipc;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ipc.Message.Hello;

/**
 * The master's end of IPC: accepts workers on a Unix domain socket, checks the token in
 * each worker's first frame, then hands every message to a {@link Handler}. A peer that
 * breaks the protocol is disconnected with a logged reason; the server keeps running.
 */
public final class IpcServer implements Closeable {

	private static final Log logger = LogFactory.getLog(IpcServer.class);

	private final SocketDirectory directory;

	private final byte[] token;

	private final FrameCodec codec;

	private final Handler handler;

	private final ServerSocketChannel server;

	private final AtomicBoolean closed = new AtomicBoolean();

	private final Set<IpcChannel> connections = ConcurrentHashMap.newKeySet();

	public IpcServer(SocketDirectory directory, String token, FrameCodec codec, Handler handler) throws IOException {
		this.directory = directory;
		this.token = token.getBytes(StandardCharsets.UTF_8);
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
		Hello hello = null;
		this.connections.add(channel);
		if (this.closed.get()) {
			channel.close();
		}
		try {
			Message first = channel.receive();
			if (first == null) {
				return;
			}
			if (!(first instanceof Hello candidate)) {
				throw new MalformedFrameException("First frame must be hello, was " + typeName(first));
			}
			if (!MessageDigest.isEqual(this.token, candidate.token().getBytes(StandardCharsets.UTF_8))) {
				throw new MalformedFrameException("Bad cluster token from pid " + candidate.pid());
			}
			hello = candidate;
			this.handler.connected(hello, channel);
			while (true) {
				Message message = channel.receive();
				if (message == null) {
					break;
				}
				if (message instanceof Hello) {
					throw new MalformedFrameException("Unexpected second hello");
				}
				this.handler.received(hello, channel, message);
			}
		}
		catch (MalformedFrameException ex) {
			logger.warn("Closing IPC connection of misbehaving peer " + describe(hello) + ": " + ex.getMessage());
		}
		catch (IOException ex) {
			if (!this.closed.get()) {
				logger.debug("IPC connection of " + describe(hello) + " ended: " + ex.getMessage());
			}
		}
		catch (RuntimeException ex) {
			logger.error("Handling a message from " + describe(hello) + " failed; closing its connection", ex);
		}
		finally {
			channel.close();
			this.connections.remove(channel);
			if (hello != null) {
				this.handler.disconnected(hello, channel);
			}
		}
	}

	private static String describe(@Nullable Hello hello) {
		return (hello != null) ? "worker-" + hello.workerId() + " (pid " + hello.pid() + ")" : "unauthenticated peer";
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
			this.directory.delete();
		}
	}

	/**
	 * Receives what authenticated workers send. Called on the connection's reader thread.
	 */
	public interface Handler {

		void connected(Hello hello, IpcChannel channel);

		void received(Hello hello, IpcChannel channel, Message message) throws IOException;

		void disconnected(Hello hello, IpcChannel channel);

	}

}
