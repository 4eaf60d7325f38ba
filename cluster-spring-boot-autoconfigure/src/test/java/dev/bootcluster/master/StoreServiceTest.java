package dev.bootcluster.master;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.Message.StoreFailure;
import dev.bootcluster.ipc.Message.StoreOp;
import dev.bootcluster.ipc.Message.StoreReply;
import dev.bootcluster.ipc.Message.StoreRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StoreService}: requests run on the calling (reader) thread and are
 * answered on the sender's channel (real sockets), atomically when several connections
 * ask at once, held entries go with their owner, expiries reach one watcher.
 */
class StoreServiceTest {

	private final MutableClock clock = new MutableClock();

	private final ManualLoop loop = new ManualLoop(this.clock);

	private final MasterStore store = new MasterStore(this.clock, 4096);

	private final StoreService service = new StoreService(this.store, this.loop);

	private final HubSockets sockets;

	StoreServiceTest() throws Exception {
		this.sockets = new HubSockets(new FrameCodec(64 * 1024));
	}

	@AfterEach
	void close() throws Exception {
		this.sockets.close();
	}

	@Test
	void putThenGetReturnsTheSameBytes() {
		HubSockets.Link link = this.sockets.link();
		byte[] value = { 0, (byte) 0xff, 42, '"', '\\' };
		StoreReply put = call(link, 11, new StoreRequest(1, StoreOp.PUT, "k", value, null, 0));
		assertThat(put.success()).isTrue();
		StoreReply get = call(link, 11, new StoreRequest(2, StoreOp.GET, "k", null, null, 0));
		assertThat(get.requestId()).isEqualTo(2);
		assertThat(get.success()).isTrue();
		assertThat(get.value()).isEqualTo(value);
		StoreReply missing = call(link, 11, new StoreRequest(3, StoreOp.GET, "other", null, null, 0));
		assertThat(missing.success()).isFalse();
		assertThat(missing.value()).isNull();
		assertThat(missing.failure()).isNull();
	}

	@Test
	void compareAndSetAndTouchAndDeletePrefix() {
		HubSockets.Link link = this.sockets.link();
		assertThat(call(link, 11, new StoreRequest(1, StoreOp.COMPARE_AND_SET, "c:1", bytes("a"), null, 0)).success())
			.isTrue();
		assertThat(call(link, 11, new StoreRequest(2, StoreOp.COMPARE_AND_SET, "c:1", bytes("b"), null, 0)).success())
			.isFalse();
		assertThat(call(link, 11, new StoreRequest(3, StoreOp.COMPARE_AND_SET, "c:1", bytes("b"), bytes("a"), 0))
			.success()).isTrue();
		assertThat(call(link, 11, new StoreRequest(4, StoreOp.TOUCH, "c:1", null, null, 1000)).success()).isTrue();
		this.loop.advance(Duration.ofMillis(1000));
		assertThat(this.store.get("c:1")).isNull();
		call(link, 11, new StoreRequest(5, StoreOp.PUT, "c:2", bytes("x"), null, 0));
		assertThat(call(link, 11, new StoreRequest(6, StoreOp.DELETE_PREFIX, "c:", null, null, 0)).success()).isTrue();
		assertThat(this.store.entries()).isZero();
	}

	@Test
	void aFullStoreAndBadRequestsAreRefusedWithAReasonAndChangeNothing() {
		HubSockets.Link link = this.sockets.link();
		call(link, 11, new StoreRequest(1, StoreOp.PUT, "kept", bytes("x".repeat(1000)), null, 0));
		StoreReply full = call(link, 11, new StoreRequest(2, StoreOp.PUT, "big", new byte[4000], null, 0));
		assertThat(full.success()).isFalse();
		assertThat(full.failure()).isEqualTo(StoreFailure.FULL);
		assertThat(full.error()).contains("'big'").contains("4067 bytes").contains("budget is 4096");
		StoreReply noValue = call(link, 11, new StoreRequest(3, StoreOp.PUT, "k", null, null, 0));
		assertThat(noValue.failure()).isEqualTo(StoreFailure.INVALID);
		assertThat(noValue.error()).contains("PUT of 'k'").contains("value is required");
		StoreReply badTtl = call(link, 11, new StoreRequest(4, StoreOp.HOLD, "k", bytes("v"), null, 0));
		assertThat(badTtl.failure()).isEqualTo(StoreFailure.INVALID);
		assertThat(badTtl.error()).contains("positive TTL");
		StoreReply emptyKey = call(link, 11, new StoreRequest(5, StoreOp.PUT, "", bytes("v"), null, 0));
		assertThat(emptyKey.failure()).isEqualTo(StoreFailure.INVALID);
		assertThat(this.store.entries()).isEqualTo(1);
		assertThat(this.store.get("kept")).hasSize(1000);
		assertThat(this.service.stats().refusals()).isEqualTo(1);
	}

	@Test
	void whatAWorkerHoldsGoesWhenItsConnectionCloses() {
		HubSockets.Link first = this.sockets.link();
		HubSockets.Link second = this.sockets.link();
		assertThat(call(first, 11, new StoreRequest(1, StoreOp.HOLD, "lease", bytes("w1"), null, 60_000)).success())
			.isTrue();
		assertThat(call(second, 12, new StoreRequest(1, StoreOp.HOLD, "lease", bytes("w2"), null, 60_000)).success())
			.isFalse();
		this.service.disconnected(11, first.master());
		assertThat(call(second, 12, new StoreRequest(2, StoreOp.HOLD, "lease", bytes("w2"), null, 60_000)).success())
			.isTrue();
		assertThat(this.store.get("lease")).isEqualTo(bytes("w2"));
	}

	@Test
	void eachExpiryIsToldToOneWatcherAndTheSweepRunsEverySecond() throws Exception {
		HubSockets.Link first = this.sockets.link();
		HubSockets.Link second = this.sockets.link();
		this.service.start();
		this.service.watch(first.master(), "session:");
		this.service.watch(second.master(), "session:");
		call(first, 11, new StoreRequest(1, StoreOp.PUT, "session:1", bytes("s1"), null, 1500));
		call(first, 11, new StoreRequest(2, StoreOp.PUT, "other:1", bytes("o1"), null, 1500));
		this.loop.advance(Duration.ofSeconds(2));
		Message.StoreExpired expired = first.receive(Message.StoreExpired.class);
		assertThat(expired.key()).isEqualTo("session:1");
		assertThat(expired.value()).isEqualTo(bytes("s1"));
		assertThat(this.store.entries()).isZero();
		// the first watcher is gone: the next one is told
		this.service.disconnected(11, first.master());
		call(second, 12, new StoreRequest(1, StoreOp.PUT, "session:2", bytes("s2"), null, 500));
		this.loop.advance(Duration.ofSeconds(1));
		assertThat(second.receive(Message.StoreExpired.class).key()).isEqualTo("session:2");
		second.assertNothingReceived();
	}

	@Test
	void requestsFromSeveralReaderThreadsAtOnceAreEachAtomic() throws Exception {
		MasterStore large = new MasterStore(this.clock, 1 << 20);
		StoreService service = new StoreService(large, this.loop);
		int threads = 4;
		int increments = 500;
		ExecutorService readers = Executors.newFixedThreadPool(threads);
		try {
			List<Future<Integer>> conflicts = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				long owner = 100 + t;
				conflicts.add(readers.submit(() -> {
					int retries = 0;
					for (int i = 0; i < increments; i++) {
						while (true) {
							byte[] current = service.answer(owner, new StoreRequest(1, StoreOp.GET, "n", null, null, 0))
								.value();
							int next = (current != null) ? Integer.parseInt(new String(current)) + 1 : 1;
							StoreReply set = service.answer(owner, new StoreRequest(2, StoreOp.COMPARE_AND_SET, "n",
									bytes(Integer.toString(next)), current, 0));
							if (set.success()) {
								break;
							}
							retries++;
						}
						service.answer(owner,
								new StoreRequest(3, StoreOp.PUT, "k:" + owner + ":" + i, bytes("v"), null, 60_000));
					}
					return retries;
				}));
			}
			for (Future<Integer> conflict : conflicts) {
				conflict.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			readers.shutdownNow();
		}
		// no increment lost: every compare-and-set saw the value as the others left it
		assertThat(large.get("n")).asString().isEqualTo(Integer.toString(threads * increments));
		assertThat(service.stats().entries()).isEqualTo(1 + threads * increments);
	}

	/** As a connection's reader thread does: the request runs and is answered here. */
	private StoreReply call(HubSockets.Link link, long owner, StoreRequest request) {
		this.service.handle(owner, link.master(), request);
		return link.receive(StoreReply.class);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
