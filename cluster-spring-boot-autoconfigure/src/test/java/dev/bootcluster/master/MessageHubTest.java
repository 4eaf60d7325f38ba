package dev.bootcluster.master;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.Message.Answer;
import dev.bootcluster.ipc.Message.Ask;
import dev.bootcluster.ipc.Message.Deliver;
import dev.bootcluster.ipc.Message.Publish;
import dev.bootcluster.ipc.Message.PublishReply;
import dev.bootcluster.ipc.Message.Welcome;
import dev.bootcluster.ipc.MessageTooLargeException;
import dev.bootcluster.master.HubSockets.Link;
import dev.bootcluster.master.MessageHub.Recipient;
import dev.bootcluster.master.MessageHub.Result;

import static dev.bootcluster.master.HubSockets.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Tests for {@link MessageHub}, with recipients on real Unix domain socket connections.
 */
class MessageHubTest {

	private static final int LIMIT = 1024;

	/**
	 * An acknowledgement timeout no test reaches: only acks, departures or close end a
	 * wait.
	 */
	private static final Duration NEVER = Duration.ofHours(1);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final FrameCodec codec = new FrameCodec(LIMIT);

	private final List<Recipient> recipients = new CopyOnWriteArrayList<>();

	private final List<MessageHub> hubs = new ArrayList<>();

	private HubSockets sockets;

	private MessageHub hub;

	@BeforeEach
	void setUp() throws IOException {
		this.sockets = new HubSockets(this.codec);
		this.hub = hub(NEVER);
	}

	@AfterEach
	void tearDown() throws IOException {
		this.hubs.forEach(MessageHub::close);
		this.sockets.close();
	}

	// ---- fan-out and acknowledgements ----

	@Test
	void broadcastReachesEveryReadyRecipientAndCompletesOnlyOnceBothAcknowledged() throws Exception {
		Worker one = worker(1, 101, true);
		Worker two = worker(2, 102, true);
		JsonNode payload = json("{\"price\":12.5,\"tags\":[\"a\",\"\\u00e9\"]}");
		CompletableFuture<Result> result = this.hub.publish(7, MessageHub.ALL_WORKERS, "prices",
				"com.example.PriceChanged", payload, false);
		Deliver first = one.link.receive(Deliver.class);
		Deliver second = two.link.receive(Deliver.class);
		assertThat(second).isEqualTo(first);
		assertThat(first.deliveryId()).isPositive();
		assertThat(first.sender()).isEqualTo(7);
		assertThat(first.topic()).isEqualTo("prices");
		assertThat(first.payloadType()).isEqualTo("com.example.PriceChanged");
		assertThat(first.payload()).isEqualTo(payload);
		assertThat(first.retained()).isFalse();
		assertThat(result).isNotDone();
		this.hub.delivered(one.pid, first.deliveryId());
		assertThat(result).isNotDone();
		// the same worker acknowledging again, an unknown process, an unknown delivery:
		// no effect
		this.hub.delivered(one.pid, first.deliveryId());
		this.hub.delivered(999, first.deliveryId());
		this.hub.delivered(two.pid, first.deliveryId() + 1000);
		assertThat(result).isNotDone();
		this.hub.delivered(two.pid, first.deliveryId());
		assertThat(result).isCompletedWithValue(new Result(2, 2));
		one.link.assertNothingReceived();
		two.link.assertNothingReceived();
	}

	@Test
	void acknowledgementsCountOnlyForTheirOwnDelivery() {
		Worker one = worker(1, 101, true);
		CompletableFuture<Result> first = this.hub.publish(0, 0, "a", null, json("1"), false);
		CompletableFuture<Result> second = this.hub.publish(0, 0, "a", null, json("2"), false);
		Deliver deliverFirst = one.link.receive(Deliver.class);
		Deliver deliverSecond = one.link.receive(Deliver.class);
		assertThat(deliverFirst.payload()).isEqualTo(json("1"));
		assertThat(deliverSecond.payload()).isEqualTo(json("2"));
		assertThat(deliverSecond.deliveryId()).isNotEqualTo(deliverFirst.deliveryId());
		this.hub.delivered(one.pid, deliverSecond.deliveryId());
		assertThat(second).isCompletedWithValue(new Result(1, 1));
		assertThat(first).isNotDone();
		this.hub.delivered(one.pid, deliverFirst.deliveryId());
		assertThat(first).isCompletedWithValue(new Result(1, 1));
	}

	@Test
	void startingRecipientReceivesTheDeliveryButIsNotCounted() throws Exception {
		Worker ready = worker(1, 101, true);
		Worker starting = worker(2, 102, false);
		CompletableFuture<Result> result = this.hub.publish(0, MessageHub.ALL_WORKERS, "t", null, json("{}"), false);
		Deliver toReady = ready.link.receive(Deliver.class);
		Deliver toStarting = starting.link.receive(Deliver.class);
		assertThat(toStarting).isEqualTo(toReady);
		this.hub.delivered(starting.pid, toStarting.deliveryId());
		assertThat(result).isNotDone();
		this.hub.delivered(ready.pid, toReady.deliveryId());
		assertThat(result).isCompletedWithValue(new Result(1, 1));
	}

	@Test
	void broadcastToStartingRecipientsOnlyCompletesAtOnce() {
		Worker starting = worker(1, 101, false);
		CompletableFuture<Result> result = this.hub.publish(0, MessageHub.ALL_WORKERS, "t", null, json("3"), false);
		assertThat(result).isCompletedWithValue(new Result(0, 0));
		assertThat(starting.link.receive(Deliver.class).payload()).isEqualTo(json("3"));
	}

	@Test
	void broadcastWithoutRecipientsCompletesAtOnce() {
		assertThat(this.hub.publish(0, MessageHub.ALL_WORKERS, "t", null, json("3"), false))
			.isCompletedWithValue(new Result(0, 0));
	}

	@Test
	void sendToOneWorkerReachesOnlyIt() throws Exception {
		Worker one = worker(1, 101, true);
		Worker two = worker(2, 102, true);
		Worker three = worker(3, 103, true);
		CompletableFuture<Result> result = this.hub.publish(1, 2, "direct", "com.example.Hi", json("\"hi\""), false);
		Deliver deliver = two.link.receive(Deliver.class);
		assertThat(deliver.sender()).isEqualTo(1);
		assertThat(deliver.topic()).isEqualTo("direct");
		assertThat(deliver.payload()).isEqualTo(json("\"hi\""));
		one.link.assertNothingReceived();
		three.link.assertNothingReceived();
		// another worker's acknowledgement is not the one awaited
		this.hub.delivered(one.pid, deliver.deliveryId());
		assertThat(result).isNotDone();
		this.hub.delivered(two.pid, deliver.deliveryId());
		assertThat(result).isCompletedWithValue(new Result(1, 1));
	}

	@Test
	void sendToAWorkerThatIsNotThereCompletesAtOnceWithNoTargets() throws Exception {
		Worker one = worker(1, 101, true);
		assertThat(this.hub.publish(0, 5, "direct", null, json("1"), false)).isCompletedWithValue(new Result(0, 0));
		one.link.assertNothingReceived();
	}

	@Test
	void ackTimeoutCompletesWithTheAcknowledgementsReceivedSoFar() {
		// long enough for the answering worker's acknowledgement to come in before it
		MessageHub impatient = hub(Duration.ofSeconds(2));
		Worker one = worker(1, 101, true);
		// reads nothing
		worker(2, 102, true);
		CompletableFuture<Result> result = impatient.publish(0, 0, "t", null, json("1"), false);
		impatient.delivered(one.pid, one.link.receive(Deliver.class).deliveryId());
		assertThat(result).isNotDone();
		assertThat(result).succeedsWithin(TIMEOUT).isEqualTo(new Result(1, 2));
	}

	@Test
	void ackTimeoutWithoutAnyAcknowledgementCompletesWithNone() {
		MessageHub impatient = hub(Duration.ofMillis(200));
		Worker one = worker(1, 101, true);
		CompletableFuture<Result> result = impatient.publish(0, 0, "t", null, json("1"), false);
		long id = one.link.receive(Deliver.class).deliveryId();
		assertThat(result).succeedsWithin(TIMEOUT).isEqualTo(new Result(0, 1));
		// too late: the result stays
		impatient.delivered(one.pid, id);
		assertThat(result.join()).isEqualTo(new Result(0, 1));
	}

	@Test
	void disconnectedRecipientIsNoLongerAwaitedNorCounted() {
		Worker one = worker(1, 101, true);
		Worker two = worker(2, 102, true);
		Worker three = worker(3, 103, true);
		CompletableFuture<Result> result = this.hub.publish(0, 0, "t", null, json("1"), false);
		long id = one.link.receive(Deliver.class).deliveryId();
		this.hub.delivered(one.pid, id);
		this.hub.disconnected(two.pid);
		assertThat(result).isNotDone();
		// a process that is not awaited leaving changes nothing
		this.hub.disconnected(999);
		assertThat(result).isNotDone();
		this.hub.disconnected(three.pid);
		assertThat(result).isCompletedWithValue(new Result(1, 3));
	}

	@Test
	void disconnectedLastAwaitedRecipientCompletesWithoutIt() {
		Worker one = worker(1, 101, true);
		Worker two = worker(2, 102, true);
		CompletableFuture<Result> result = this.hub.publish(0, 0, "t", null, json("1"), false);
		this.hub.disconnected(one.pid);
		assertThat(result).isNotDone();
		this.hub.delivered(two.pid, two.link.receive(Deliver.class).deliveryId());
		assertThat(result).isCompletedWithValue(new Result(1, 2));
	}

	@Test
	void recipientWhoseConnectionIsClosedIsNotAwaited() {
		Worker alive = worker(1, 101, true);
		Worker gone = worker(2, 102, true);
		gone.link.master().close();
		CompletableFuture<Result> result = this.hub.publish(0, 0, "t", null, json("1"), false);
		assertThat(result).isNotDone();
		this.hub.delivered(alive.pid, alive.link.receive(Deliver.class).deliveryId());
		assertThat(result).isCompletedWithValue(new Result(1, 2));
	}

	@Test
	void closeCompletesPendingDeliveriesWithTheAcknowledgementsSoFar() {
		Worker one = worker(1, 101, true);
		worker(2, 102, true);
		CompletableFuture<Result> acknowledgedOnce = this.hub.publish(0, 0, "t", null, json("1"), false);
		CompletableFuture<Result> neverAcknowledged = this.hub.publish(0, 0, "t", null, json("2"), false);
		this.hub.delivered(one.pid, one.link.receive(Deliver.class).deliveryId());
		assertThat(acknowledgedOnce).isNotDone();
		assertThat(neverAcknowledged).isNotDone();
		this.hub.close();
		assertThat(acknowledgedOnce).isCompletedWithValue(new Result(1, 2));
		assertThat(neverAcknowledged).isCompletedWithValue(new Result(0, 2));
	}

	@Test
	void concurrentPublishesEachArriveWholeAtEveryRecipient() throws Exception {
		Worker one = worker(1, 101, true);
		Worker two = worker(2, 102, true);
		int threads = 4;
		int each = 25;
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		List<Future<List<CompletableFuture<Result>>>> publishers = new ArrayList<>();
		try {
			for (int thread = 0; thread < threads; thread++) {
				int sender = thread + 1;
				publishers.add(executor.submit(() -> {
					List<CompletableFuture<Result>> results = new ArrayList<>();
					for (int i = 0; i < each; i++) {
						results.add(this.hub.publish(sender, 0, "topic-" + sender, null,
								json("{\"sender\":" + sender + ",\"i\":" + i + "}"), false));
					}
					return results;
				}));
			}
			List<CompletableFuture<Result>> results = new ArrayList<>();
			for (Future<List<CompletableFuture<Result>>> publisher : publishers) {
				results.addAll(publisher.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
			}
			for (Worker worker : List.of(one, two)) {
				Set<Long> ids = new HashSet<>();
				Set<String> payloads = new HashSet<>();
				for (int i = 0; i < threads * each; i++) {
					Deliver deliver = worker.link.receive(Deliver.class);
					assertThat(deliver.topic()).isEqualTo("topic-" + deliver.payload().get("sender").asInt());
					ids.add(deliver.deliveryId());
					payloads.add(deliver.payload().toString());
					this.hub.delivered(worker.pid, deliver.deliveryId());
				}
				assertThat(ids).hasSize(threads * each);
				assertThat(payloads).hasSize(threads * each);
			}
			assertThat(results).hasSize(threads * each)
				.allSatisfy((result) -> assertThat(result).isCompletedWithValue(new Result(2, 2)));
		}
		finally {
			executor.shutdownNow();
		}
	}

	// ---- retained values ----

	@Test
	void welcomeReplaysTheLatestRetainedValueOfEachTopicInFirstAppearanceOrder() throws Exception {
		Worker watcher = worker(1, 101, false);
		this.hub.publish(0, 0, "config", "com.example.Config", json("{\"v\":1}"), true);
		this.hub.publish(2, 0, "flags", null, json("[\"x\"]"), true);
		this.hub.publish(0, 0, "config", "com.example.Config", json("{\"v\":2}"), true);
		this.hub.publish(0, 0, "news", null, json("\"not retained\""), false);
		// a later value that is not retained does not replace the retained one
		this.hub.publish(0, 0, "config", null, json("{\"v\":3}"), false);
		// nor is a retained value sent to one worker kept for others
		this.hub.publish(0, 1, "direct", null, json("1"), true);
		List<Deliver> live = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			live.add(watcher.link.receive(Deliver.class));
		}
		assertThat(this.hub.retainedTopics()).containsExactly("config", "flags");

		Link newcomer = this.sockets.link();
		this.hub.welcome(newcomer.master());
		Deliver latestConfig = live.get(2);
		assertThat(latestConfig.payload()).isEqualTo(json("{\"v\":2}"));
		assertThat(latestConfig.retained()).isTrue();
		Deliver flags = live.get(1);
		assertThat(flags.sender()).isEqualTo(2);
		assertThat(newcomer.receive()).isEqualTo(latestConfig);
		assertThat(newcomer.receive()).isEqualTo(flags);
		assertThat(newcomer.receive()).isEqualTo(new Welcome(2));
		newcomer.assertNothingReceived();
	}

	@Test
	void welcomeWithNothingRetainedSendsOnlyTheWelcome() throws Exception {
		this.hub.publish(0, 0, "news", null, json("1"), false);
		Link newcomer = this.sockets.link();
		this.hub.welcome(newcomer.master());
		assertThat(newcomer.receive()).isEqualTo(new Welcome(0));
		newcomer.assertNothingReceived();
	}

	@Test
	void retainedValuesPublishedBeforeAnyWorkerAreReplayedToEveryNewcomer() throws Exception {
		assertThat(this.hub.publish(3, 0, "config", "com.example.Config", json("{\"v\":\"\\u4e2d\"}"), true))
			.isCompletedWithValue(new Result(0, 0));
		Deliver expected = null;
		for (int i = 0; i < 3; i++) {
			// the same retained frame is written again and again: it must not be used up
			Link newcomer = this.sockets.link();
			this.hub.welcome(newcomer.master());
			Deliver replayed = newcomer.receive(Deliver.class);
			assertThat(replayed.sender()).isEqualTo(3);
			assertThat(replayed.topic()).isEqualTo("config");
			assertThat(replayed.payloadType()).isEqualTo("com.example.Config");
			assertThat(replayed.payload()).isEqualTo(json("{\"v\":\"\\u4e2d\"}"));
			assertThat(replayed.retained()).isTrue();
			if (expected != null) {
				assertThat(replayed).isEqualTo(expected);
			}
			expected = replayed;
			assertThat(newcomer.receive()).isEqualTo(new Welcome(1));
		}
	}

	@Test
	void welcomeToAClosedConnectionDoesNotFail() {
		this.hub.publish(0, 0, "config", null, json("1"), true);
		Link gone = this.sockets.link();
		gone.master().close();
		this.hub.welcome(gone.master());
		assertThat(this.hub.retainedTopics()).containsExactly("config");
	}

	// ---- too large ----

	@Test
	void payloadTooLargeIsRefusedBeforeAnythingIsSentOrRetained() throws Exception {
		Worker one = worker(1, 101, true);
		Worker starting = worker(2, 102, false);
		CompletableFuture<Result> small = this.hub.publish(0, 0, "config", null, json("\"small\""), true);
		Deliver smallDeliver = one.link.receive(Deliver.class);
		assertThat(starting.link.receive(Deliver.class)).isEqualTo(smallDeliver);
		JsonNode large = largePayload();
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.hub.publish(0, 0, "config", null, large, true))
			.satisfies((ex) -> assertThat(ex.getLimit()).isEqualTo(LIMIT));
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.hub.publish(0, 0, "other", null, large, true));
		assertThatExceptionOfType(MessageTooLargeException.class)
			.isThrownBy(() -> this.hub.publish(0, 1, "direct", null, large, false));
		one.link.assertNothingReceived();
		starting.link.assertNothingReceived();
		assertThat(this.hub.retainedTopics()).containsExactly("config");
		Link newcomer = this.sockets.link();
		this.hub.welcome(newcomer.master());
		assertThat(newcomer.receive()).isEqualTo(smallDeliver);
		assertThat(newcomer.receive()).isEqualTo(new Welcome(1));
		// the refused deliveries left nothing waiting behind
		this.hub.delivered(one.pid, smallDeliver.deliveryId());
		assertThat(small).isCompletedWithValue(new Result(1, 1));
	}

	// ---- a worker's publish ----

	@Test
	void publishFromAWorkerIsAnsweredWithTheAcknowledgementsOnceTheyAreIn() throws Exception {
		Worker publisher = worker(1, 101, true);
		Worker other = worker(2, 102, true);
		JsonNode payload = json("{\"user\":\"J\\u00f6rg\"}");
		this.hub.publishFrom(1, new Publish(77, 0, "users", "com.example.UserAdded", payload, false),
				publisher.link.master());
		Deliver toPublisher = publisher.link.receive(Deliver.class);
		Deliver toOther = other.link.receive(Deliver.class);
		assertThat(toOther).isEqualTo(toPublisher);
		assertThat(toOther.sender()).isEqualTo(1);
		assertThat(toOther.topic()).isEqualTo("users");
		assertThat(toOther.payloadType()).isEqualTo("com.example.UserAdded");
		assertThat(toOther.payload()).isEqualTo(payload);
		this.hub.delivered(other.pid, toOther.deliveryId());
		// not answered while an acknowledgement is missing
		publisher.link.assertNothingReceived();
		this.hub.delivered(publisher.pid, toPublisher.deliveryId());
		assertThat(publisher.link.receive()).isEqualTo(new PublishReply(77, 2, 2, null));
		other.link.assertNothingReceived();
	}

	@Test
	void publishFromAWorkerToOneWorkerIsAnsweredWithItsAcknowledgement() throws Exception {
		Worker publisher = worker(1, 101, true);
		Worker target = worker(2, 102, true);
		this.hub.publishFrom(1, new Publish(5, 2, "direct", null, json("[1,2]"), false), publisher.link.master());
		Deliver deliver = target.link.receive(Deliver.class);
		assertThat(deliver.sender()).isEqualTo(1);
		this.hub.delivered(target.pid, deliver.deliveryId());
		assertThat(publisher.link.receive()).isEqualTo(new PublishReply(5, 1, 1, null));
		publisher.link.assertNothingReceived();
	}

	@Test
	void publishFromAWorkerIsAnsweredAfterTheAckTimeout() {
		MessageHub impatient = hub(Duration.ofMillis(200));
		Worker publisher = worker(1, 101, true);
		worker(2, 102, true);
		impatient.publishFrom(1, new Publish(8, 0, "t", null, json("1"), true), publisher.link.master());
		assertThat(publisher.link.receive(Deliver.class).retained()).isTrue();
		assertThat(publisher.link.receive()).isEqualTo(new PublishReply(8, 0, 2, null));
	}

	@Test
	void publishFromAWorkerWithoutOthersIsAnsweredAtOnce() {
		Link alone = this.sockets.link();
		this.hub.publishFrom(1, new Publish(9, 0, "t", null, json("1"), false), alone.master());
		assertThat(alone.receive()).isEqualTo(new PublishReply(9, 0, 0, null));
	}

	@Test
	void publishFromAWorkerTooLargeIsAnsweredWithAnErrorAndNothingIsDelivered() throws Exception {
		Worker publisher = worker(1, 101, true);
		Worker other = worker(2, 102, true);
		this.hub.publishFrom(1, new Publish(42, 0, "config", null, largePayload(), true), publisher.link.master());
		PublishReply reply = publisher.link.receive(PublishReply.class);
		assertThat(reply.requestId()).isEqualTo(42);
		assertThat(reply.acknowledged()).isZero();
		assertThat(reply.targets()).isZero();
		assertThat(reply.error()).isNotNull()
			.contains("Nothing was delivered")
			.contains("cluster.ipc.max-message-size")
			.contains(Integer.toString(LIMIT));
		publisher.link.assertNothingReceived();
		other.link.assertNothingReceived();
		assertThat(this.hub.retainedTopics()).isEmpty();
	}

	@Test
	void answersGoAheadOfTheDeliveriesQueuedForTheWorker() throws Exception {
		Link slow = this.sockets.link();
		// starting: its deliveries are not awaited
		this.recipients.add(new Recipient(1, 101, slow.master(), false));
		this.hub.requestHandler((sender, type, payload) -> new Answer(0, type, payload, null));
		long filler = slow.fillUntilBlocked();
		for (int i = 1; i <= 3; i++) {
			this.hub.publish(0, MessageHub.ALL_WORKERS, "t", null, json(Integer.toString(i)), false);
		}
		// answered at once: nobody to deliver to
		this.hub.publishFrom(1, new Publish(9, 5, "direct", null, json("1"), false), slow.master());
		this.hub.ask(1, new Ask(10, "x.Y", json("2")), slow.master());
		PublishReply reply = new PublishReply(9, 0, 0, null);
		Answer answer = new Answer(10, "x.Y", json("2"), null);
		long queued = this.codec.encode(reply).remaining() + this.codec.encode(answer).remaining();
		for (int i = 1; i <= 3; i++) {
			queued += this.codec.encode(new Deliver(i, 0, "t", null, json(Integer.toString(i)), false)).remaining();
		}
		long expected = queued;
		await().atMost(TIMEOUT).until(() -> slow.master().queuedBytes() == expected);
		slow.skip(filler);
		List<Object> received = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Message message = slow.receive();
			received.add((message instanceof Deliver deliver) ? deliver.payload().asInt() : message);
		}
		// the first delivery may be on its way already, the others wait behind the
		// answers
		assertThat(received).isIn(List.of(1, reply, answer, 2, 3), List.of(reply, answer, 1, 2, 3));
	}

	// ---- requests ----

	@Test
	void askIsAnsweredByTheRequestHandlerOnAnotherThread() {
		AtomicReference<String> handled = new AtomicReference<>();
		Thread caller = Thread.currentThread();
		this.hub.requestHandler((sender, type, payload) -> {
			handled.set(sender + " " + type + " " + payload + " " + (Thread.currentThread() != caller));
			return new Answer(0, "com.example.UserCount", json("{\"count\":3}"), null);
		});
		Link link = this.sockets.link();
		this.hub.ask(4, new Ask(55, "com.example.CountUsers", json("{\"active\":true}")), link.master());
		assertThat(link.receive()).isEqualTo(new Answer(55, "com.example.UserCount", json("{\"count\":3}"), null));
		assertThat(handled.get()).isEqualTo("4 com.example.CountUsers {\"active\":true} true");
	}

	@Test
	void askKeepsTheRequestIdWhateverTheHandlerAnswers() {
		this.hub.requestHandler((sender, type, payload) -> new Answer(12345, null, payload, "refused"));
		Link link = this.sockets.link();
		this.hub.ask(1, new Ask(6, "x.Y", json("[true]")), link.master());
		assertThat(link.receive()).isEqualTo(new Answer(6, null, json("[true]"), "refused"));
	}

	@Test
	void askWhoseHandlerThrowsIsAnsweredWithAnError() {
		this.hub.requestHandler((sender, type, payload) -> {
			throw new IllegalStateException("database is down");
		});
		Link link = this.sockets.link();
		this.hub.ask(1, new Ask(56, "x.Y", json("{}")), link.master());
		assertFailedAnswer(link.receive(Answer.class), 56, "database is down");
	}

	@Test
	void askWhoseHandlerAnswersNothingIsAnsweredWithAnError() {
		this.hub.requestHandler((sender, type, payload) -> null);
		Link link = this.sockets.link();
		this.hub.ask(1, new Ask(57, "x.Y", json("{}")), link.master());
		assertFailedAnswer(link.receive(Answer.class), 57, "failed");
	}

	@Test
	void askWithoutARequestHandlerIsAnsweredWithAnError() {
		Link link = this.sockets.link();
		this.hub.ask(1, new Ask(58, "x.Y", json("{}")), link.master());
		assertFailedAnswer(link.receive(Answer.class), 58, "no request handler");
	}

	@Test
	void askWhoseAnswerIsTooLargeIsAnsweredWithAnError() {
		this.hub.requestHandler((sender, type, payload) -> new Answer(0, "x.Big", largePayload(), null));
		Link link = this.sockets.link();
		this.hub.ask(1, new Ask(59, "x.Y", json("{}")), link.master());
		assertFailedAnswer(link.receive(Answer.class), 59, "too large");
	}

	@Test
	void askAfterCloseIsAnsweredWithAnError() {
		this.hub.requestHandler((sender, type, payload) -> new Answer(0, null, json("1"), null));
		this.hub.close();
		Link link = this.sockets.link();
		this.hub.ask(1, new Ask(60, "x.Y", json("{}")), link.master());
		assertFailedAnswer(link.receive(Answer.class), 60, "stopping");
	}

	@Test
	void slowRequestBlocksNeitherTheCallerNorOtherRequests() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		this.hub.requestHandler((sender, type, payload) -> {
			if (type.equals("slow")) {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return new Answer(0, type, payload, null);
		});
		Link link = this.sockets.link();
		try {
			assertTimeoutPreemptively(TIMEOUT,
					() -> this.hub.ask(1, new Ask(1, "slow", json("\"slow\"")), link.master()));
			this.hub.ask(1, new Ask(2, "fast", json("\"fast\"")), link.master());
			assertThat(link.receive()).isEqualTo(new Answer(2, "fast", json("\"fast\""), null));
		}
		finally {
			release.countDown();
		}
		assertThat(link.receive()).isEqualTo(new Answer(1, "slow", json("\"slow\""), null));
	}

	// ---- helpers ----

	private static void assertFailedAnswer(Answer answer, long requestId, String errorText) {
		assertThat(answer.requestId()).isEqualTo(requestId);
		assertThat(answer.error()).isNotNull().containsIgnoringCase(errorText);
		assertThat(answer.payloadType()).isNull();
		// null on the master's side, written as JSON null
		JsonNode payload = answer.payload();
		assertThat(payload == null || payload.isNull()).as("no payload in %s", answer).isTrue();
	}

	/** A payload whose delivery frame is over the limit. */
	private static JsonNode largePayload() {
		return json("{\"text\":\"" + "x".repeat(LIMIT) + "\"}");
	}

	private static JsonNode json(String text) {
		return JSON.readTree(text);
	}

	private MessageHub hub(Duration ackTimeout) {
		MessageHub hub = new MessageHub(this.codec, ackTimeout);
		hub.recipients(() -> List.copyOf(this.recipients));
		this.hubs.add(hub);
		return hub;
	}

	/** A recipient of every hub of this test, connected over its own socket. */
	private Worker worker(int workerId, long pid, boolean ready) {
		Link link = this.sockets.link();
		this.recipients.add(new Recipient(workerId, pid, link.master(), ready));
		return new Worker(pid, link);
	}

	private record Worker(long pid, Link link) {
	}

}
