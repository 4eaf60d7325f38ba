package dev.bootcluster.ipc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.bootcluster.ipc.Message.Ready;
import dev.bootcluster.ipc.Message.StoreFailure;
import dev.bootcluster.ipc.Message.StoreOp;
import dev.bootcluster.ipc.Message.StoreReply;
import dev.bootcluster.ipc.Message.StoreRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The compact form of store requests and replies ({@link StoreFrames}) through
 * {@link FrameCodec}: it round-trips every field, JSON stays the default, and whatever a
 * peer sends in it decodes to a message or is malformed. (Named {@code *Test} so that
 * Surefire's default includes pick up its properties.)
 */
class StoreFramesTest {

	private static final byte[] VALUE = { 0, 1, 2, (byte) 0xff, '{', '"' };

	private final FrameCodec codec = new FrameCodec(1024 * 1024);

	static List<Message> storeMessages() {
		return List.of(new StoreRequest(1, StoreOp.PUT, "spring:session:\u00e9\ud83d\ude00", VALUE, null, 1800_000),
				new StoreRequest(2, StoreOp.COMPARE_AND_SET, "k", new byte[0], VALUE, 0),
				new StoreRequest(Long.MAX_VALUE, StoreOp.GET, "", null, null, Long.MAX_VALUE),
				new StoreRequest(Long.MIN_VALUE, StoreOp.DELETE_PREFIX, "p:", null, null, -1),
				new StoreReply(1, true, VALUE, null, null), new StoreReply(2, false, null, null, null),
				new StoreReply(3, false, null, StoreFailure.FULL, "Cannot store key 'k' \u4e2d"),
				new StoreReply(4, false, new byte[0], StoreFailure.INVALID, ""));
	}

	@ParameterizedTest
	@MethodSource("storeMessages")
	void storeMessagesRoundTripInTheCompactForm(Message message) {
		byte[] payload = payload(this.codec.encode(message, true));
		assertThat(payload[0]).isEqualTo((message instanceof StoreRequest) ? StoreFrames.REQUEST : StoreFrames.REPLY);
		assertThat(FrameCodec.isCompact(payload)).isTrue();
		assertThat(this.codec.decode(payload)).isEqualTo(message);
	}

	@ParameterizedTest
	@MethodSource("storeMessages")
	void withoutCompactTheyStayJsonAndStillDecode(Message message) {
		byte[] payload = payload(this.codec.encode(message));
		assertThat((char) payload[0]).isEqualTo('{');
		assertThat(FrameCodec.isCompact(payload)).isFalse();
		assertThat(this.codec.decode(payload)).isEqualTo(message);
	}

	@Test
	void otherMessagesAreJsonEvenWhenCompactIsAsked() {
		byte[] payload = payload(this.codec.encode(new Ready(3), true));
		assertThat(new String(payload, StandardCharsets.UTF_8)).contains("\"type\":\"ready\"");
	}

	@Test
	void theCompactFormIsSmallerThanJsonForABinaryValue() {
		StoreRequest put = new StoreRequest(7, StoreOp.PUT, "spring:session:abc", new byte[512], null, 1800_000);
		assertThat(this.codec.encode(put, true).remaining()).isLessThan(this.codec.encode(put).remaining() * 3 / 4);
	}

	@Test
	void theLimitAppliesToTheCompactForm() {
		FrameCodec small = new FrameCodec(100);
		StoreRequest put = new StoreRequest(7, StoreOp.PUT, "k", new byte[100], null, 0);
		assertThatExceptionOfType(MessageTooLargeException.class).isThrownBy(() -> small.encode(put, true));
	}

	@Test
	void malformedCompactFramesAreRefusedWithTheirReason() {
		byte[] request = payload(this.codec.encode(storeMessages().get(0), true));
		byte[] reply = payload(this.codec.encode(storeMessages().get(6), true));
		assertMalformed(Arrays.copyOf(request, request.length - 1), "ends inside a field");
		assertMalformed(Arrays.copyOf(request, request.length + 1), "after its last field");
		assertMalformed(new byte[] { StoreFrames.REQUEST }, "ends inside a field");
		byte[] badOp = request.clone();
		badOp[9] = (byte) StoreOp.values().length;
		assertMalformed(badOp, "unknown op");
		byte[] nullKey = ByteBuffer.allocate(1 + 8 + 1 + 8 + 4 + 4 + 4)
			.put(StoreFrames.REQUEST)
			.putLong(1)
			.put((byte) 0)
			.putLong(0)
			.putInt(-1)
			.putInt(-1)
			.putInt(-1)
			.array();
		assertMalformed(nullKey, "no key");
		byte[] badLength = ByteBuffer.allocate(1 + 8 + 1 + 8 + 4)
			.put(StoreFrames.REQUEST)
			.putLong(1)
			.put((byte) 0)
			.putLong(0)
			.putInt(-2)
			.array();
		assertMalformed(badLength, "length -2");
		byte[] longLength = badLength.clone();
		ByteBuffer.wrap(longLength).putInt(18, Integer.MAX_VALUE);
		assertMalformed(longLength, "length " + Integer.MAX_VALUE);
		byte[] badUtf8 = ByteBuffer.allocate(1 + 8 + 1 + 8 + 4 + 2 + 4 + 4)
			.put(StoreFrames.REQUEST)
			.putLong(1)
			.put((byte) 0)
			.putLong(0)
			.putInt(2)
			.put((byte) 0xc3)
			.put((byte) '"')
			.putInt(-1)
			.putInt(-1)
			.array();
		assertMalformed(badUtf8, "key is not valid UTF-8");
		byte[] badSuccess = reply.clone();
		badSuccess[9] = 2;
		assertMalformed(badSuccess, "success 2");
		byte[] badFailure = reply.clone();
		badFailure[10] = (byte) (StoreFailure.values().length + 1);
		assertMalformed(badFailure, "unknown failure");
		byte[] negativeFailure = reply.clone();
		negativeFailure[10] = (byte) 0x80;
		assertMalformed(negativeFailure, "unknown failure");
	}

	@Property(tries = 1000)
	void arbitraryCompactPayloadsDecodeToAStoreMessageOrAreMalformed(@ForAll("compactType") byte type,
			@ForAll @Size(max = 200) byte[] rest) {
		byte[] payload = new byte[rest.length + 1];
		payload[0] = type;
		System.arraycopy(rest, 0, payload, 1, rest.length);
		assertDecodesOrIsMalformed(payload);
	}

	@Property(tries = 1000)
	void mutatedCompactFramesDecodeToAStoreMessageOrAreMalformed(@ForAll("compactMessages") Message message,
			@ForAll("positions") List<Integer> positions, @ForAll byte value) {
		byte[] payload = payload(this.codec.encode(message, true));
		for (int position : positions) {
			payload[Math.floorMod(position, payload.length)] = value;
		}
		assertDecodesOrIsMalformed(payload);
	}

	@Property(tries = 300)
	void everyCompactMessageRoundTrips(@ForAll("compactMessages") Message message) {
		assertThat(this.codec.decode(payload(this.codec.encode(message, true)))).isEqualTo(message);
	}

	@Provide
	Arbitrary<Byte> compactType() {
		return Arbitraries.of(StoreFrames.REQUEST, StoreFrames.REPLY);
	}

	@Provide
	Arbitrary<List<Integer>> positions() {
		return Arbitraries.integers().list().ofMinSize(1).ofMaxSize(4);
	}

	@Provide
	Arbitrary<Message> compactMessages() {
		Arbitrary<String> text = Arbitraries.strings().withCharRange(' ', '\uD7FF').ofMaxLength(40);
		Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(64).injectNull(0.3);
		Arbitrary<Message> request = Combinators
			.combine(Arbitraries.longs(), Arbitraries.of(StoreOp.class), text, bytes, bytes, Arbitraries.longs())
			.as(StoreRequest::new);
		Arbitrary<Message> reply = Combinators
			.combine(Arbitraries.longs(), Arbitraries.of(true, false), bytes,
					Arbitraries.of(StoreFailure.class).injectNull(0.5), text.injectNull(0.5))
			.as(StoreReply::new);
		return Arbitraries.oneOf(request, reply);
	}

	private void assertDecodesOrIsMalformed(byte[] payload) {
		try {
			Message message = this.codec.decode(payload);
			assertThat(message).isInstanceOfAny(StoreRequest.class, StoreReply.class);
		}
		catch (MalformedFrameException ex) {
			// expected for most inputs
		}
	}

	private void assertMalformed(byte[] payload, String reason) {
		assertThatExceptionOfType(MalformedFrameException.class).isThrownBy(() -> this.codec.decode(payload))
			.withMessageContaining(reason);
	}

	private static byte[] payload(ByteBuffer frame) {
		int length = frame.getInt();
		byte[] payload = new byte[length];
		frame.get(payload);
		return payload;
	}

}
