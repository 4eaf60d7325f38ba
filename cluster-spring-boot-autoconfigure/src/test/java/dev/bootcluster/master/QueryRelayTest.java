package dev.bootcluster.master;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.Message.Collect;
import dev.bootcluster.ipc.Message.Collected;
import dev.bootcluster.ipc.Message.Part;
import dev.bootcluster.ipc.Message.Query;
import dev.bootcluster.ipc.Message.QueryResult;
import dev.bootcluster.master.HubSockets.Link;
import dev.bootcluster.master.MessageHub.Recipient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link QueryRelay}, with workers on real Unix domain socket connections.
 */
class QueryRelayTest {

	private static final Duration NEVER = Duration.ofHours(1);

	private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

	private final FrameCodec codec = new FrameCodec(64 * 1024);

	private final List<Recipient> recipients = new CopyOnWriteArrayList<>();

	private HubSockets sockets;

	private MessageHub hub;

	@BeforeEach
	void setUp() throws IOException {
		this.sockets = new HubSockets(this.codec);
		this.hub = new MessageHub(this.codec, Duration.ofSeconds(5));
		this.hub.recipients(() -> this.recipients);
	}

	@AfterEach
	void tearDown() throws IOException {
		this.hub.close();
		this.sockets.close();
	}

	@Test
	void everyReadyWorkerIsAskedTheAskingOneIncludedAndTheAnswersComeBackBySlot() {
		Link asking = worker(2, 102, true, false, true);
		Link other = worker(1, 101, true, false, true);
		Link starting = worker(3, -1, false, true, true);
		this.hub.queries()
			.collectFrom(2, asking.master(), new Collect(9, 0, "q", NODES.objectNode().put("a", 1), 60_000));
		Query toAsking = asking.receive(Query.class);
		Query toOther = other.receive(Query.class);
		assertThat(toAsking).isEqualTo(toOther);
		assertThat(toAsking.query()).isEqualTo("q");
		assertThat(toAsking.args().path("a").asInt()).isEqualTo(1);
		this.hub.queries().result(other.master(), new QueryResult(toOther.queryId(), NODES.stringNode("one"), null));
		// a second answer on a connection, or one for another query, is ignored
		this.hub.queries().result(other.master(), new QueryResult(toOther.queryId(), NODES.stringNode("again"), null));
		this.hub.queries()
			.result(asking.master(), new QueryResult(toOther.queryId() + 100, NODES.stringNode("x"), null));
		assertNothingReceived(asking);
		this.hub.queries().result(asking.master(), new QueryResult(toAsking.queryId(), null, "failed"));
		Collected collected = asking.receive(Collected.class);
		assertThat(collected.requestId()).isEqualTo(9);
		assertThat(collected.parts()).containsExactly(new Part(1, 101, NODES.stringNode("one"), null),
				new Part(2, 102, null, "failed"));
		assertThat(collected.missing()).isEmpty();
		assertThat(collected.error()).isNull();
		assertNothingReceived(starting);
	}

	@Test
	void silentWorkersAndWorkersOfAnEarlierVersionAreMissingNotAsked() {
		Link silent = worker(1, 101, false, false, true);
		Link earlier = worker(2, 102, true, false, false);
		Link ready = worker(3, 103, true, false, true);
		CompletableFuture<Collected> result = this.hub.queries().collect(0, "q", NODES.objectNode(), NEVER);
		Query query = ready.receive(Query.class);
		this.hub.queries().result(ready.master(), new QueryResult(query.queryId(), NODES.numberNode(3), null));
		assertThat(result).isCompleted();
		assertThat(result.join().parts()).extracting(Part::workerId).containsExactly(3);
		assertThat(result.join().missing()).containsExactly(1, 2);
		assertNothingReceived(silent);
		assertNothingReceived(earlier);
	}

	@Test
	void aWorkerThatDoesNotAnswerInTimeIsLeftOutAndCountedMissing() {
		Link answers = worker(1, 101, true, false, true);
		Link stuck = worker(2, 102, true, false, true);
		CompletableFuture<Collected> result = this.hub.queries()
			.collect(0, "q", NODES.objectNode(), Duration.ofMillis(200));
		Query query = answers.receive(Query.class);
		stuck.receive(Query.class);
		this.hub.queries().result(answers.master(), new QueryResult(query.queryId(), NODES.booleanNode(true), null));
		Collected collected = result.join();
		assertThat(collected.parts()).extracting(Part::workerId).containsExactly(1);
		assertThat(collected.missing()).containsExactly(2);
	}

	@Test
	void aWorkerThatLeavesIsMissingAtOnce() {
		Link one = worker(1, 101, true, false, true);
		CompletableFuture<Collected> result = this.hub.queries().collect(0, "q", NODES.objectNode(), NEVER);
		one.receive(Query.class);
		assertThat(result).isNotDone();
		this.hub.queries().disconnected(one.master());
		assertThat(result).isCompletedWithValue(new Collected(0, List.of(), List.of(1), null));
	}

	@Test
	void oneSlotIsAskedAloneAndAnAbsentSlotIsAnError() {
		worker(1, 101, true, false, true);
		Link two = worker(2, 102, true, false, true);
		CompletableFuture<Collected> result = this.hub.queries().collect(2, "q", NODES.objectNode(), NEVER);
		Query query = two.receive(Query.class);
		this.hub.queries().result(two.master(), new QueryResult(query.queryId(), NODES.textNode("two"), null));
		assertThat(result.join().parts()).containsExactly(new Part(2, 102, NODES.textNode("two"), null));
		Collected absent = this.hub.queries().collect(7, "q", NODES.objectNode(), NEVER).join();
		assertThat(absent.parts()).isEmpty();
		assertThat(absent.error()).contains("worker-7 is not READY");
	}

	@Test
	void aHandlerSeesEachResultWithItsSlotAndProcessAndHearsOfProcessesThatLeft() {
		List<String> seen = new CopyOnWriteArrayList<>();
		this.hub.queries().handler("q", new QueryRelay.PartHandler() {

			@Override
			public JsonNode handle(int workerId, long pid, JsonNode result) {
				seen.add(workerId + "/" + pid + "=" + result.asString());
				return NODES.textNode(result.asString() + "!");
			}

			@Override
			public void processGone(int workerId, long pid) {
				seen.add("gone " + workerId + "/" + pid);
			}

		});
		Link one = worker(1, 101, true, false, true);
		CompletableFuture<Collected> result = this.hub.queries().collect(0, "q", NODES.objectNode(), NEVER);
		this.hub.queries()
			.result(one.master(), new QueryResult(one.receive(Query.class).queryId(), NODES.textNode("a"), null));
		assertThat(result.join().parts()).containsExactly(new Part(1, 101, NODES.textNode("a!"), null));
		this.hub.queries().processGone(1, 101);
		assertThat(seen).containsExactly("1/101=a", "gone 1/101");
	}

	@Test
	void aHandlerAddsSlotsWithoutAProcessToAskWhenEverySlotWasAskedOnly() {
		this.hub.queries().handler("q", new QueryRelay.PartHandler() {

			@Override
			public JsonNode handle(int workerId, long pid, JsonNode result) {
				return result;
			}

			@Override
			public Map<Integer, JsonNode> withoutProcess(Set<Integer> answered) {
				Map<Integer, JsonNode> more = new TreeMap<>();
				for (int slot = 1; slot <= 3; slot++) {
					if (!answered.contains(slot)) {
						more.put(slot, NODES.textNode("retired " + slot));
					}
				}
				return more;
			}

		});
		Link one = worker(1, 101, true, false, true);
		worker(2, 102, true, false, false);
		CompletableFuture<Collected> result = this.hub.queries().collect(0, "q", NODES.objectNode(), NEVER);
		this.hub.queries()
			.result(one.master(), new QueryResult(one.receive(Query.class).queryId(), NODES.textNode("a"), null));
		// 2 is missing (an earlier version), 3 has no process: only 3 is added
		assertThat(result.join().parts()).containsExactly(new Part(1, 101, NODES.textNode("a"), null),
				new Part(3, -1, NODES.textNode("retired 3"), null));
		assertThat(result.join().missing()).containsExactly(2);
		CompletableFuture<Collected> alone = this.hub.queries().collect(1, "q", NODES.objectNode(), NEVER);
		this.hub.queries()
			.result(one.master(), new QueryResult(one.receive(Query.class).queryId(), NODES.textNode("b"), null));
		assertThat(alone.join().parts()).containsExactly(new Part(1, 101, NODES.textNode("b"), null));
	}

	@Test
	void aHandlerThatCannotReadAResultTurnsItIntoThatWorkersError() {
		this.hub.queries().handler("q", (workerId, pid, result) -> {
			throw new IllegalArgumentException("not an array");
		});
		Link one = worker(1, 101, true, false, true);
		CompletableFuture<Collected> result = this.hub.queries().collect(0, "q", NODES.objectNode(), NEVER);
		this.hub.queries()
			.result(one.master(), new QueryResult(one.receive(Query.class).queryId(), NODES.textNode("a"), null));
		Part part = result.join().parts().get(0);
		assertThat(part.result()).isNull();
		assertThat(part.error()).contains("not an array");
	}

	@Test
	void answersOverTheMessageLimitAreAnErrorForTheAskingWorker() {
		Link asking = worker(1, 101, true, false, true);
		this.hub.queries().collectFrom(1, asking.master(), new Collect(5, 0, "q", NODES.objectNode(), 60_000));
		Query query = asking.receive(Query.class);
		// fits in a frame alone, not with the reply's framing around it
		String big = "x".repeat(64 * 1024 - 60);
		this.hub.queries().result(asking.master(), new QueryResult(query.queryId(), NODES.textNode(big), null));
		Collected collected = asking.receive(Collected.class);
		assertThat(collected.requestId()).isEqualTo(5);
		assertThat(collected.parts()).isEmpty();
		assertThat(collected.error()).contains("over cluster.ipc.max-message-size");
	}

	@Test
	void closingTheHubAnswersWhoWaits() {
		worker(1, 101, true, false, true);
		CompletableFuture<Collected> result = this.hub.queries().collect(0, "q", NODES.objectNode(), NEVER);
		assertThat(result).isNotDone();
		this.hub.close();
		assertThat(result).isCompletedWithValue(new Collected(0, List.of(), List.of(1), null));
	}

	private Link worker(int workerId, long pid, boolean ready, boolean starting, boolean queries) {
		Link link = this.sockets.link();
		this.recipients.add(new Recipient(workerId, pid, link.master(), ready, starting, queries));
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
