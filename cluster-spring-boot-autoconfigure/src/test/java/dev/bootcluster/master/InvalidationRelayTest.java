package dev.bootcluster.master;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.Message.CacheInvalidate;
import dev.bootcluster.ipc.Message.CacheInvalidateReply;
import dev.bootcluster.ipc.Message.CacheInvalidation;
import dev.bootcluster.master.HubSockets.Link;
import dev.bootcluster.master.MessageHub.Recipient;
import dev.bootcluster.master.MessageHub.Result;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link InvalidationRelay}, with workers on real Unix domain socket
 * connections.
 */
class InvalidationRelayTest {

	private static final Duration NEVER = Duration.ofHours(1);

	private final FrameCodec codec = new FrameCodec(64 * 1024);

	private final List<Recipient> recipients = new CopyOnWriteArrayList<>();

	private HubSockets sockets;

	private MessageHub hub;

	@BeforeEach
	void setUp() throws IOException {
		this.sockets = new HubSockets(this.codec);
	}

	@AfterEach
	void tearDown() throws IOException {
		if (this.hub != null) {
			this.hub.close();
		}
		this.sockets.close();
	}

	@Test
	void theSenderIsAnsweredOnlyOnceEveryOtherWorkerConfirmed() {
		InvalidationRelay relay = relay(NEVER);
		Link sender = worker(1, 101, true, false);
		Link ready = worker(2, 102, true, false);
		Link starting = worker(3, -1, false, true);
		relay.invalidateFrom(1, sender.master(), new CacheInvalidate(7, "cacheManager/prices", "s:eur"));
		CacheInvalidation toReady = ready.receive(CacheInvalidation.class);
		CacheInvalidation toStarting = starting.receive(CacheInvalidation.class);
		assertThat(toReady).isEqualTo(toStarting);
		assertThat(toReady.cache()).isEqualTo("cacheManager/prices");
		assertThat(toReady.key()).isEqualTo("s:eur");
		relay.invalidated(ready.master(), toReady.invalidationId());
		// a confirmation on another connection, or of another invalidation, counts not
		relay.invalidated(ready.master(), toReady.invalidationId());
		relay.invalidated(sender.master(), toReady.invalidationId());
		relay.invalidated(starting.master(), toReady.invalidationId() + 1000);
		assertNothingReceived(sender);
		relay.invalidated(starting.master(), toReady.invalidationId());
		assertThat(sender.receive(CacheInvalidateReply.class)).isEqualTo(new CacheInvalidateReply(7, 2, 2));
		assertNothingReceived(sender);
	}

	@Test
	void aSilentWorkerIsToldButNotAwaited() {
		InvalidationRelay relay = relay(NEVER);
		Link silent = worker(2, 102, false, false);
		CompletableFuture<Result> result = relay.invalidate(null, "c", null);
		assertThat(result).isCompletedWithValue(new Result(0, 0));
		assertThat(silent.receive(CacheInvalidation.class).key()).isNull();
	}

	@Test
	void aWorkerThatLeavesIsNoLongerAwaited() {
		InvalidationRelay relay = relay(NEVER);
		Link one = worker(1, 101, true, false);
		Link two = worker(2, 102, true, false);
		CompletableFuture<Result> result = relay.invalidate(null, "c", "s:k");
		long id = one.receive(CacheInvalidation.class).invalidationId();
		two.receive(CacheInvalidation.class);
		relay.invalidated(one.master(), id);
		assertThat(result).isNotDone();
		relay.disconnected(two.master());
		assertThat(result).isCompletedWithValue(new Result(1, 2));
	}

	@Test
	void afterTheTimeoutTheSenderIsAnsweredWithWhatWasConfirmed() {
		InvalidationRelay relay = relay(Duration.ofMillis(200));
		Link sender = worker(1, 101, true, false);
		Link stuck = worker(2, 102, true, false);
		relay.invalidateFrom(1, sender.master(), new CacheInvalidate(3, "c", "s:k"));
		stuck.receive(CacheInvalidation.class);
		assertThat(sender.receive(CacheInvalidateReply.class)).isEqualTo(new CacheInvalidateReply(3, 0, 1));
	}

	@Test
	void withNoOtherWorkerTheSenderIsAnsweredAtOnce() {
		InvalidationRelay relay = relay(NEVER);
		Link sender = worker(1, 101, true, false);
		relay.invalidateFrom(1, sender.master(), new CacheInvalidate(4, "c", null));
		assertThat(sender.receive(CacheInvalidateReply.class)).isEqualTo(new CacheInvalidateReply(4, 0, 0));
	}

	@Test
	void closingTheHubAnswersWhoWaits() {
		InvalidationRelay relay = relay(NEVER);
		worker(2, 102, true, false);
		CompletableFuture<Result> result = relay.invalidate(null, "c", null);
		assertThat(result).isNotDone();
		this.hub.close();
		assertThat(result).isCompletedWithValue(new Result(0, 1));
	}

	private InvalidationRelay relay(Duration timeout) {
		this.hub = new MessageHub(this.codec, timeout);
		this.hub.recipients(() -> this.recipients);
		return this.hub.invalidations();
	}

	private Link worker(int workerId, long pid, boolean ready, boolean starting) {
		Link link = this.sockets.link();
		this.recipients.add(new Recipient(workerId, pid, link.master(), ready, starting));
		return link;
	}

	private static void assertNothingReceived(Link link) {
		try {
			link.assertNothingReceived();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
