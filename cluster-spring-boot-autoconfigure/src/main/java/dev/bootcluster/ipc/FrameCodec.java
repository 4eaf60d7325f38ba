package dev.bootcluster.ipc;

import java.nio.ByteBuffer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Frames are a 4-byte big-endian length followed by that many bytes of UTF-8 JSON. No
 * Java serialization: JSON maps onto the sealed {@link Message} records only.
 */
public final class FrameCodec {

	/** Bytes of the length prefix. */
	public static final int HEADER_BYTES = 4;

	private static final JsonMapper MAPPER = JsonMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
		.enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
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
	 * Encodes one frame, length prefix included.
	 * @throws MessageTooLargeException if the JSON is larger than the limit
	 */
	public ByteBuffer encode(Message message) {
		byte[] json = toJson(message);
		if (json.length > this.maxMessageSize) {
			throw new MessageTooLargeException(json.length, this.maxMessageSize);
		}
		ByteBuffer frame = ByteBuffer.allocate(HEADER_BYTES + json.length);
		frame.putInt(json.length).put(json).flip();
		return frame;
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
