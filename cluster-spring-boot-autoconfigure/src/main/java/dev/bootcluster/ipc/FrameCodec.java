package dev.bootcluster.ipc;

import java.nio.ByteBuffer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.InjectableValues;
import tools.jackson.databind.json.JsonMapper;

import dev.bootcluster.WorkerSnapshot;

/**
 * Frames are a 4-byte big-endian length followed by that many bytes of UTF-8 JSON, or,
 * for the store's requests and replies between peers that both speak it, of the compact
 * binary form of {@link StoreFrames}. No Java serialization: JSON maps onto the sealed
 * {@link Message} records only, and the compact form has fixed fields.
 */
public final class FrameCodec {

	/** Bytes of the length prefix. */
	public static final int HEADER_BYTES = 4;

	private static final JsonMapper MAPPER = JsonMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
		.enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		// what a component an earlier version does not send takes (every other one is
		// required)
		.injectableValues(new InjectableValues.Std().addValue(WorkerSnapshot.ABSENT_REQUESTS, -1L)
			.addValue(WorkerSnapshot.ABSENT_RATE, -1.0)
			.addValue(WorkerSnapshot.ABSENT_HEAP_AFTER_GC, -1L)
			.addValue(WorkerSnapshot.ABSENT_RSS, -1L)
			.addValue(WorkerSnapshot.ABSENT_RECYCLES, 0)
			.addValue(WorkerSnapshot.ABSENT_REASON, null)
			.addValue(WorkerSnapshot.ABSENT_MASTER_RSS, -1L))
		.build();

	private final int maxMessageSize;

	public FrameCodec(int maxMessageSize) {
		if (maxMessageSize < 64) {
			throw new IllegalArgumentException("maxMessageSize must be at least 64 bytes, was " + maxMessageSize);
		}
		this.maxMessageSize = maxMessageSize;
	}

	public int maxMessageSize() {
		return this.maxMessageSize;
	}

	/**
	 * Encodes one frame as JSON, length prefix included.
	 * @throws MessageTooLargeException if the JSON is larger than the limit
	 */
	public ByteBuffer encode(Message message) {
		return encode(message, false);
	}

	/**
	 * Encodes one frame, length prefix included.
	 * @param compact whether a store request or reply takes the compact form (only for a
	 * peer known to read it); every other message is JSON anyway
	 * @throws MessageTooLargeException if the payload is larger than the limit
	 */
	public ByteBuffer encode(Message message, boolean compact) {
		byte[] payload = (compact && StoreFrames.hasCompactForm(message)) ? StoreFrames.encode(message)
				: toJson(message);
		if (payload.length > this.maxMessageSize) {
			throw new MessageTooLargeException(payload.length, this.maxMessageSize);
		}
		ByteBuffer frame = ByteBuffer.allocate(HEADER_BYTES + payload.length);
		frame.putInt(payload.length).put(payload).flip();
		return frame;
	}

	/** Whether a received payload is in the compact form of a store message. */
	public static boolean isCompact(byte[] payload) {
		return payload.length > 0 && StoreFrames.isCompact(payload[0]);
	}

	/**
	 * Checks a received length prefix before any payload is read.
	 * @throws MalformedFrameException if it is not positive or over the limit
	 */
	public int checkLength(int length) {
		if (length <= 0) {
			throw new MalformedFrameException("Frame length " + length + " is not positive");
		}
		if (length > this.maxMessageSize) {
			throw new MalformedFrameException(
					"Frame of " + length + " bytes exceeds cluster.ipc.max-message-size of " + this.maxMessageSize);
		}
		return length;
	}

	/**
	 * Decodes one frame's payload (without the length prefix).
	 * @throws MalformedFrameException if it is not one of the known messages
	 */
	public Message decode(byte[] payload) {
		checkLength(payload.length);
		if (isCompact(payload)) {
			return StoreFrames.decode(payload);
		}
		try {
			Message message = MAPPER.readValue(payload, Message.class);
			if (message == null) {
				throw new MalformedFrameException("Frame holds JSON null, not a message");
			}
			return message;
		}
		catch (JacksonException ex) {
			throw new MalformedFrameException("Frame is not a valid message: " + firstLine(ex.getOriginalMessage()),
					ex);
		}
	}

	static byte[] toJson(Object value) {
		return MAPPER.writeValueAsBytes(value);
	}

	private static String firstLine(String text) {
		int newline = text.indexOf('\n');
		return (newline >= 0) ? text.substring(0, newline) : text;
	}

}
