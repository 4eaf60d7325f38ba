package dev.bootcluster.ipc;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import dev.bootcluster.ipc.Message.StoreFailure;
import dev.bootcluster.ipc.Message.StoreOp;
import dev.bootcluster.ipc.Message.StoreReply;
import dev.bootcluster.ipc.Message.StoreRequest;

/**
 * The compact form of the store's two hot messages, {@link StoreRequest} and
 * {@link StoreReply}: fixed binary fields instead of JSON, so that a store operation pays
 * no JSON parsing and no base64 on either side (values are copied as they are, never
 * interpreted). A payload whose first byte is {@link #REQUEST} or {@link #REPLY} is in
 * this form; a JSON payload starts with {@code '{'} or white space, so the two never
 * overlap.
 * <p>
 * Layout (big-endian): a request is {@code 01, requestId (8), op (1, its ordinal),
 * ttlMillis (8), key (text), value (bytes), expected (bytes)}; a reply is {@code 02,
 * requestId (8), success (1: 0 or 1), failure (1: 0 none, else ordinal + 1), value
 * (bytes), error (text)}. Bytes and text are a 4-byte length ({@code -1} for null, never
 * for the key) and that many bytes, text in UTF-8. Anything else (a short or long
 * payload, an unknown op or failure, a bad length, invalid UTF-8) is a {@link
 * MalformedFrameException}.
 */
final class StoreFrames {

	/** First byte of a compact {@link StoreRequest}. */
	static final byte REQUEST = 1;

	/** First byte of a compact {@link StoreReply}. */
	static final byte REPLY = 2;

	private static final StoreOp[] OPS = StoreOp.values();

	private static final StoreFailure[] FAILURES = StoreFailure.values();

	private StoreFrames() {
	}

	/** Whether a payload starting with {@code first} is in the compact form. */
	static boolean isCompact(byte first) {
		return first == REQUEST || first == REPLY;
	}

	/** Whether {@code message} has a compact form. */
	static boolean hasCompactForm(Message message) {
		return message instanceof StoreRequest || message instanceof StoreReply;
	}

	/** The compact payload of a {@link StoreRequest} or a {@link StoreReply}. */
	static byte[] encode(Message message) {
		if (message instanceof StoreRequest request) {
			byte[] key = request.key().getBytes(StandardCharsets.UTF_8);
			ByteBuffer out = ByteBuffer
				.allocate(1 + 8 + 1 + 8 + 4 + key.length + size(request.value()) + size(request.expected()));
			out.put(REQUEST)
				.putLong(request.requestId())
				.put((byte) request.op().ordinal())
				.putLong(request.ttlMillis());
			out.putInt(key.length).put(key);
			putBytes(out, request.value());
			putBytes(out, request.expected());
			return out.array();
		}
		if (message instanceof StoreReply reply) {
			byte[] error = (reply.error() != null) ? reply.error().getBytes(StandardCharsets.UTF_8) : null;
			ByteBuffer out = ByteBuffer.allocate(1 + 8 + 1 + 1 + size(reply.value()) + size(error));
			out.put(REPLY).putLong(reply.requestId()).put((byte) (reply.success() ? 1 : 0));
			out.put((byte) ((reply.failure() != null) ? reply.failure().ordinal() + 1 : 0));
			putBytes(out, reply.value());
			putBytes(out, error);
			return out.array();
		}
		throw new IllegalArgumentException("No compact form for " + message.getClass().getSimpleName());
	}

	/**
	 * Decodes a compact payload (its first byte is {@link #REQUEST} or {@link #REPLY}).
	 * @throws MalformedFrameException if it is not a valid one
	 */
	static Message decode(byte[] payload) {
		ByteBuffer in = ByteBuffer.wrap(payload);
		try {
			byte type = in.get();
			Message message = (type == REQUEST) ? request(in) : reply(in);
			if (in.hasRemaining()) {
				throw new MalformedFrameException(
						"Store frame has " + in.remaining() + " bytes after its last field (" + message + ")");
			}
			return message;
		}
		catch (BufferUnderflowException ex) {
			throw new MalformedFrameException("Store frame of " + payload.length + " bytes ends inside a field", ex);
		}
		catch (IllegalArgumentException | NullPointerException ex) {
			throw new MalformedFrameException("Store frame is not a valid message: " + ex.getMessage(), ex);
		}
	}

	private static StoreRequest request(ByteBuffer in) {
		long requestId = in.getLong();
		int op = in.get();
		if (op < 0 || op >= OPS.length) {
			throw new MalformedFrameException("Store request has unknown op " + op);
		}
		long ttlMillis = in.getLong();
		String key = text(in, "key");
		if (key == null) {
			throw new MalformedFrameException("Store request has no key");
		}
		byte[] value = bytes(in, "value");
		byte[] expected = bytes(in, "expected");
		return new StoreRequest(requestId, OPS[op], key, value, expected, ttlMillis);
	}

	private static StoreReply reply(ByteBuffer in) {
		long requestId = in.getLong();
		byte success = in.get();
		if (success != 0 && success != 1) {
			throw new MalformedFrameException("Store reply has success " + success + ", not 0 or 1");
		}
		int failure = in.get();
		if (failure < 0 || failure > FAILURES.length) {
			throw new MalformedFrameException("Store reply has unknown failure " + failure);
		}
		byte[] value = bytes(in, "value");
		String error = text(in, "error");
		return new StoreReply(requestId, success == 1, value, (failure == 0) ? null : FAILURES[failure - 1], error);
	}

	private static int size(byte @Nullable [] bytes) {
		return 4 + ((bytes != null) ? bytes.length : 0);
	}

	private static void putBytes(ByteBuffer out, byte @Nullable [] bytes) {
		if (bytes == null) {
			out.putInt(-1);
		}
		else {
			out.putInt(bytes.length).put(bytes);
		}
	}

	private static byte @Nullable [] bytes(ByteBuffer in, String field) {
		int length = in.getInt();
		if (length == -1) {
			return null;
		}
		if (length < 0 || length > in.remaining()) {
			throw new MalformedFrameException(
					"Store frame's " + field + " has length " + length + " with " + in.remaining() + " bytes left");
		}
		byte[] bytes = new byte[length];
		in.get(bytes);
		return bytes;
	}

	private static @Nullable String text(ByteBuffer in, String field) {
		byte[] bytes = bytes(in, field);
		if (bytes == null) {
			return null;
		}
		try {
			CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes));
			return chars.toString();
		}
		catch (CharacterCodingException ex) {
			throw new MalformedFrameException("Store frame's " + field + " is not valid UTF-8", ex);
		}
	}

}
