package dev.bootcluster.ipc;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * One end of a connection over a Unix domain socket: blocking, framed by a
 * {@link FrameCodec}. Sends may come from any thread; receives from one reader thread.
 */
public final class IpcChannel implements Closeable {

	/**
	 * Bytes read ahead: small frames arrive whole in one read, larger ones are read on
	 * into their array.
	 */
	static final int READ_BUFFER_BYTES = 16 * 1024;

	private final SocketChannel channel;

	private final FrameCodec codec;

	private final Object writeLock = new Object();

	/**
	 * What was read and not yet decoded, between position and limit (the reader thread's
	 * only).
	 */
	private final ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER_BYTES).flip();

	public IpcChannel(SocketChannel channel, FrameCodec codec) {
		this.channel = channel;
		this.codec = codec;
	}

	public static IpcChannel connect(Path socket, FrameCodec codec) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			channel.connect(UnixDomainSocketAddress.of(socket));
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
		return new IpcChannel(channel, codec);
	}

	public FrameCodec codec() {
		return this.codec;
	}

	/**
	 * Sends one message whole, or nothing if it is too large.
	 * @throws MessageTooLargeException before writing anything if over the limit
	 * @throws IOException if the connection is broken
	 */
	public void send(Message message) throws IOException {
		sendFrame(this.codec.encode(message));
	}

	/**
	 * Sends a frame encoded earlier by {@link FrameCodec#encode} (the same frame may go
	 * to many channels: this writes a view of it and leaves the buffer itself untouched).
	 * @throws IOException if the connection is broken
	 */
	public void sendFrame(ByteBuffer encoded) throws IOException {
		ByteBuffer frame = encoded.duplicate();
		synchronized (this.writeLock) {
			while (frame.hasRemaining()) {
				this.channel.write(frame);
			}
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
		return this.codec.decode(payload);
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
		return this.channel.isOpen();
	}

	@Override
	public void close() {
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// closing: nothing left to do
		}
	}

}
