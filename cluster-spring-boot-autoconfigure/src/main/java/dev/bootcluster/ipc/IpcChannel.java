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
 * One end of a connection over a Unix domain socket: blocking, framed by a {@link FrameCodec}.
 * Sends may come from any thread; receives from one reader thread.
 */
public final class IpcChannel implements Closeable {

	private final SocketChannel channel;

	private final FrameCodec codec;

	private final Object writeLock = new Object();

	private final ByteBuffer header = ByteBuffer.allocate(FrameCodec.HEADER_BYTES);

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
	 * Sends a frame encoded earlier by {@link FrameCodec#encode} (the same frame may go to many
	 * channels: this writes a view of it and leaves the buffer itself untouched).
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
	 * @throws MalformedFrameException if the peer sent something that is not a valid frame
	 */
	public @Nullable Message receive() throws IOException {
		this.header.clear();
		if (!readFully(this.header, true)) {
			return null;
		}
		int length = this.codec.checkLength(this.header.flip().getInt());
		ByteBuffer payload = ByteBuffer.allocate(length);
		readFully(payload, false);
		return this.codec.decode(payload.array());
	}

	private boolean readFully(ByteBuffer buffer, boolean eofAllowedAtStart) throws IOException {
		while (buffer.hasRemaining()) {
			int read = this.channel.read(buffer);
			if (read < 0) {
				if (eofAllowedAtStart && buffer.position() == 0) {
					return false;
				}
				throw new EOFException("Connection closed in the middle of a frame");
			}
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
