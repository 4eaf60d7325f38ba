package dev.bootcluster.ipc;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * One end of a connection over a Unix domain socket, framed by a {@link FrameCodec}.
 * Sends may come from any thread and never block: each frame joins a bounded outbound
 * queue that a writer thread of the channel's own drains (started with the first queued
 * send, ending when the channel closes), so a peer that stopped reading holds up no
 * sender, no reader that answers and no lock holder. Urgent frames (acknowledgements,
 * heartbeats, replies) have a queue of their own, written first between whole frames. A
 * peer that lets more than the bound pile up is disconnected with a logged reason.
 * <p>
 * {@link #sendDirect} is the one exception, for a thread that nothing interrupts and that
 * serves this very peer only (the master's reader thread of a worker answering that
 * worker's store requests): when nothing is queued or being written, it writes the frame
 * itself, which saves the writer thread's wake-up on the way of an answer. Application
 * threads never write (an interrupt during a write closes the channel).
 * <p>
 * Receives come from one reader thread.
 */
public final class IpcChannel implements Closeable {

	private static final Log logger = LogFactory.getLog(IpcChannel.class);

	/**
	 * Bytes read ahead: small frames arrive whole in one read, larger ones are read on
	 * into their array.
	 */
	static final int READ_BUFFER_BYTES = 16 * 1024;

	/** Default bound of the outbound queues, in largest frames. */
	static final int DEFAULT_QUEUED_FRAMES = 8;

	/**
	 * How often an idle writer checks that the socket was not closed under it (by an
	 * interrupted reader, say) without {@link #close()}.
	 */
	private static final long IDLE_CHECK_MILLIS = 1000;

	private final SocketChannel channel;

	private final FrameCodec codec;

	private final long maxQueuedBytes;

	/** Guards the queues and the fields below them. */
	private final Object lock = new Object();

	/**
	 * Frames {@link #sendDirect} writes on the calling thread when nothing is queued: at
	 * most this long, so that such a write fits the socket's buffer whenever the peer
	 * reads at all.
	 */
	static final int DIRECT_WRITE_BYTES = 32 * 1024;

	/** Held while a frame is written, so frames never interleave. */
	private final Object writeLock = new Object();

	private final ArrayDeque<ByteBuffer> urgent = new ArrayDeque<>();

	private final ArrayDeque<ByteBuffer> normal = new ArrayDeque<>();

	/** Bytes queued or being written, not yet all on the socket. */
	private long queuedBytes;

	/** Whether a frame was ever queued (after which {@link #sendNow} is refused). */
	private boolean queuedBefore;

	/**
	 * Whether a frame is being written (by the writer thread or by {@link #sendDirect}):
	 * the writer waits until it is not, and {@link #sendDirect} queues instead.
	 */
	private boolean writing;

	private boolean closed;

	private @Nullable Thread writer;

	private volatile String description = "IPC peer";

	/**
	 * Whether store requests and replies go in the compact form: set for a peer known to
	 * read it (a worker whose master says so), or once the peer sent one itself.
	 */
	private volatile boolean compactStoreFrames;

	/**
	 * What was read and not yet decoded, between position and limit (the reader thread's
	 * only).
	 */
	private final ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER_BYTES).flip();

	/**
	 * A channel whose outbound queues may hold {@value #DEFAULT_QUEUED_FRAMES} of the
	 * codec's largest frames.
	 */
	public IpcChannel(SocketChannel channel, FrameCodec codec) {
		this(channel, codec, defaultMaxQueuedBytes(codec));
	}

	/**
	 * @param maxQueuedBytes the most bytes both outbound queues may hold together (the
	 * frame being written included); at least one of the codec's largest frames
	 */
	public IpcChannel(SocketChannel channel, FrameCodec codec, long maxQueuedBytes) {
		long largestFrame = FrameCodec.HEADER_BYTES + (long) codec.maxMessageSize();
		if (maxQueuedBytes < largestFrame) {
			throw new IllegalArgumentException(
					"maxQueuedBytes must hold at least one frame of " + largestFrame + " bytes, was " + maxQueuedBytes);
		}
		this.channel = channel;
		this.codec = codec;
		this.maxQueuedBytes = maxQueuedBytes;
	}

	/** Eight of the codec's largest frames. */
	public static long defaultMaxQueuedBytes(FrameCodec codec) {
		return DEFAULT_QUEUED_FRAMES * (FrameCodec.HEADER_BYTES + (long) codec.maxMessageSize());
	}

	public static IpcChannel connect(Path socket, FrameCodec codec) throws IOException {
		return connect(socket, codec, defaultMaxQueuedBytes(codec));
	}

	public static IpcChannel connect(Path socket, FrameCodec codec, long maxQueuedBytes) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			channel.connect(UnixDomainSocketAddress.of(socket));
			return new IpcChannel(channel, codec, maxQueuedBytes);
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	public FrameCodec codec() {
		return this.codec;
	}

	/**
	 * Names the peer (e.g. {@code worker-2 (pid 4711)}) in log lines and in the writer
	 * thread's name.
	 * @return this channel
	 */
	public IpcChannel describe(String description) {
		this.description = description;
		synchronized (this.lock) {
			if (this.writer != null) {
				this.writer.setName(writerName());
			}
		}
		return this;
	}

	/**
	 * Sends store requests and replies in the compact form of {@link StoreFrames} (a
	 * worker whose master reads it); a channel also starts to once its peer sent such a
	 * frame.
	 * @return this channel
	 */
	public IpcChannel compactStoreFrames(boolean compact) {
		this.compactStoreFrames = compact;
		return this;
	}

	/** Whether store requests and replies go in the compact form. */
	public boolean compactStoreFrames() {
		return this.compactStoreFrames;
	}

	/** The peer, as named by {@link #describe}. */
	public String description() {
		return this.description;
	}

	/** The most bytes the outbound queues may hold together. */
	public long maxQueuedBytes() {
		return this.maxQueuedBytes;
	}

	/** Bytes queued and not yet written whole to the socket. */
	public long queuedBytes() {
		synchronized (this.lock) {
			return this.queuedBytes;
		}
	}

	/**
	 * Queues one message, written whole after the frames queued before it; never blocks.
	 * @throws MessageTooLargeException before queuing anything if over the limit
	 * @throws QueueOverflowException if the peer let the queue fill up (the channel is
	 * closed)
	 * @throws IOException if the channel is closed
	 */
	public void send(Message message) throws IOException {
		enqueue(this.codec.encode(message, this.compactStoreFrames), false);
	}

	/**
	 * Queues one message ahead of every frame of the normal queue not yet being written
	 * (for acknowledgements, heartbeats and replies, which must not wait behind
	 * deliveries); in order with the other urgent ones; never blocks.
	 * @throws MessageTooLargeException before queuing anything if over the limit
	 * @throws QueueOverflowException if the peer let the queue fill up (the channel is
	 * closed)
	 * @throws IOException if the channel is closed
	 */
	public void sendUrgent(Message message) throws IOException {
		enqueue(this.codec.encode(message, this.compactStoreFrames), true);
	}

	/**
	 * Queues a frame encoded earlier by {@link FrameCodec#encode} (the same frame may go
	 * to many channels: this writes a view of it and leaves the buffer itself untouched);
	 * never blocks.
	 * @throws QueueOverflowException if the peer let the queue fill up (the channel is
	 * closed)
	 * @throws IOException if the channel is closed
	 */
	public void sendFrame(ByteBuffer encoded) throws IOException {
		enqueue(encoded.duplicate(), false);
	}

	/**
	 * Sends one message as {@link #send} ({@code urgent}: {@link #sendUrgent}) does, but
	 * writes it on the calling thread when nothing is queued or being written and the
	 * frame is at most {@value #DIRECT_WRITE_BYTES} bytes (and the calling thread is not
	 * interrupted). Such a write may block the caller while the peer's socket buffer is
	 * full (the peer stopped reading): only for a thread that waits for this peer anyway,
	 * never for one that serves others. As with every write to a socket channel, an
	 * interrupt of the calling thread during the write closes the channel.
	 * @throws MessageTooLargeException before queuing anything if over the limit
	 * @throws QueueOverflowException if the peer let the queue fill up (the channel is
	 * closed)
	 * @throws IOException if the channel is closed or the write failed (the channel is
	 * closed)
	 */
	public void sendDirect(Message message, boolean urgent) throws IOException {
		ByteBuffer frame = this.codec.encode(message, this.compactStoreFrames);
		if (frame.remaining() > DIRECT_WRITE_BYTES) {
			enqueue(frame, urgent);
			return;
		}
		boolean direct;
		synchronized (this.lock) {
			checkOpen();
			// an interrupt during the write would close the channel: such a thread queues
			direct = !this.writing && this.urgent.isEmpty() && this.normal.isEmpty()
					&& !Thread.currentThread().isInterrupted();
			if (direct) {
				this.writing = true;
				this.queuedBefore = true;
			}
		}
		if (!direct) {
			enqueue(frame, urgent);
			return;
		}
		try {
			synchronized (this.writeLock) {
				while (frame.hasRemaining()) {
					this.channel.write(frame);
				}
			}
		}
		catch (IOException ex) {
			close();
			throw ex;
		}
		finally {
			synchronized (this.lock) {
				this.writing = false;
				// what was queued meanwhile is the writer's
				this.lock.notifyAll();
			}
		}
	}

	/**
	 * Writes one message on the calling thread, blocking until it is written: only for
	 * the first frame of a connection (a worker's hello), before anything was queued. An
	 * interrupt of the calling thread during the write closes the channel.
	 * @throws IllegalStateException if a frame was queued before
	 * @throws IOException if the connection is broken (the channel is closed)
	 */
	public void sendNow(Message message) throws IOException {
		ByteBuffer frame = this.codec.encode(message, this.compactStoreFrames);
		synchronized (this.writeLock) {
			synchronized (this.lock) {
				if (this.queuedBefore) {
					throw new IllegalStateException("A frame was queued before: sendNow would overtake it");
				}
				checkOpen();
			}
			try {
				while (frame.hasRemaining()) {
					this.channel.write(frame);
				}
			}
			catch (IOException ex) {
				close();
				throw ex;
			}
		}
	}

	private void enqueue(ByteBuffer frame, boolean priority) throws IOException {
		long queued;
		synchronized (this.lock) {
			checkOpen();
			queued = this.queuedBytes + frame.remaining();
			if (queued <= this.maxQueuedBytes) {
				((priority) ? this.urgent : this.normal).add(frame);
				this.queuedBytes = queued;
				this.queuedBefore = true;
				if (this.writer == null) {
					Thread started = new Thread(null, this::writeLoop, writerName(), 0, false);
					started.setDaemon(true);
					started.start();
					this.writer = started;
				}
				else {
					this.lock.notifyAll();
				}
				return;
			}
			// closed at once: no later send queues (nor logs) anything
			clear();
		}
		QueueOverflowException overflow = new QueueOverflowException(this.description, queued, this.maxQueuedBytes);
		logger.warn(overflow.getMessage());
		close();
		throw overflow;
	}

	/** Under the lock. */
	private void checkOpen() throws ClosedChannelException {
		if (this.closed || !this.channel.isOpen()) {
			throw new ClosedChannelException();
		}
	}

	/** Under the lock: closed, nothing queued, the writer told. */
	private void clear() {
		this.closed = true;
		this.urgent.clear();
		this.normal.clear();
		this.queuedBytes = 0;
		this.lock.notifyAll();
	}

	private String writerName() {
		return "cluster-ipc-writer-" + this.description;
	}

	/**
	 * The writer thread: whole frames, an urgent one first whenever one waits, until the
	 * channel closes; a failed write closes it (its reader then sees that).
	 */
	private void writeLoop() {
		try {
			while (true) {
				ByteBuffer frame;
				synchronized (this.lock) {
					while (!this.closed && (this.writing || (this.urgent.isEmpty() && this.normal.isEmpty()))) {
						if (!this.channel.isOpen()) {
							return;
						}
						this.lock.wait(IDLE_CHECK_MILLIS);
					}
					if (this.closed) {
						return;
					}
					frame = (this.urgent.isEmpty()) ? this.normal.poll() : this.urgent.poll();
					this.writing = true;
				}
				int size = frame.remaining();
				try {
					synchronized (this.writeLock) {
						while (frame.hasRemaining()) {
							this.channel.write(frame);
						}
					}
				}
				finally {
					synchronized (this.lock) {
						this.writing = false;
						if (!this.closed) {
							this.queuedBytes -= size;
						}
					}
				}
			}
		}
		catch (IOException ex) {
			if (isOpen()) {
				logger.debug("Writing to " + this.description + " failed (" + ex + "); closing the connection");
			}
		}
		catch (InterruptedException ex) {
			// nothing interrupts the writer but the JVM's end
		}
		finally {
			close();
		}
	}

	/** The writer thread, once started (for tests). */
	@Nullable Thread writerThread() {
		synchronized (this.lock) {
			return this.writer;
		}
	}

	/**
	 * Blocks for the next message.
	 * @return the message, or {@code null} when the peer closed the connection cleanly
	 * @throws MalformedFrameException if the peer sent something that is not a valid
	 * frame
	 */
	public @Nullable Message receive() throws IOException {
		if (!fill(FrameCodec.HEADER_BYTES, true)) {
			return null;
		}
		int length = this.codec.checkLength(this.in.getInt());
		byte[] payload = new byte[length];
		int buffered = Math.min(length, this.in.remaining());
		this.in.get(payload, 0, buffered);
		if (buffered < length) {
			// a frame larger than what is buffered: the rest straight into the payload
			ByteBuffer rest = ByteBuffer.wrap(payload, buffered, length - buffered);
			while (rest.hasRemaining()) {
				if (this.channel.read(rest) < 0) {
					throw new EOFException("Connection closed in the middle of a frame");
				}
			}
		}
		Message message = this.codec.decode(payload);
		if (!this.compactStoreFrames && FrameCodec.isCompact(payload)) {
			// the peer speaks it: answer in kind
			this.compactStoreFrames = true;
		}
		return message;
	}

	/**
	 * Makes at least {@code bytes} bytes readable from {@link #in}, reading whatever the
	 * socket has (often the whole frame, or several, in one system call).
	 */
	private boolean fill(int bytes, boolean eofAllowedAtStart) throws IOException {
		if (this.in.remaining() >= bytes) {
			return true;
		}
		this.in.compact();
		try {
			while (this.in.position() < bytes) {
				if (this.channel.read(this.in) < 0) {
					if (eofAllowedAtStart && this.in.position() == 0) {
						return false;
					}
					throw new EOFException("Connection closed in the middle of a frame");
				}
			}
		}
		finally {
			this.in.flip();
		}
		return true;
	}

	public boolean isOpen() {
		synchronized (this.lock) {
			return !this.closed && this.channel.isOpen();
		}
	}

	/**
	 * Closes the socket (a write blocked on it fails, a read sees it closed), drops what
	 * is queued and ends the writer thread.
	 */
	@Override
	public void close() {
		synchronized (this.lock) {
			clear();
		}
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// closing: nothing left to do
		}
	}

	@Override
	public String toString() {
		return "IpcChannel[" + this.description + "]";
	}

}
