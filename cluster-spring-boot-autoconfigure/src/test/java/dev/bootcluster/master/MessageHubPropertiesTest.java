package dev.bootcluster.master;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import dev.bootcluster.ipc.FrameCodec;
import dev.bootcluster.ipc.Message;
import dev.bootcluster.ipc.Message.Deliver;
import dev.bootcluster.master.HubSockets.Link;
import dev.bootcluster.master.MessageHub.Recipient;
import dev.bootcluster.master.MessageHub.Result;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of {@link MessageHub} against a model: which values are replayed to a
 * newcomer, and how acknowledgements are counted. (Named {@code *Test} so that Surefire's
 * default includes pick it up.)
 */
class MessageHubPropertiesTest {

	private static final Duration NEVER = Duration.ofHours(1);

	private final FrameCodec codec = new FrameCodec(64 * 1024);

	/** One publish: a topic, a value, retained or not, to every worker (0) or to one. */
	record Publication(String topic, int value, boolean retained, int target) {
	}

	@Property(tries = 150)
	void newcomerGetsTheLatestRetainedBroadcastOfEachTopicInFirstAppearanceOrder(
			@ForAll("publications") List<Publication> publications) throws IOException {
		Map<String, Integer> model = new LinkedHashMap<>();
		for (Publication publication : publications) {
			if (publication.retained() && publication.target() == MessageHub.ALL_WORKERS) {
				model.put(publication.topic(), publication.value());
			}
		}
		try (HubSockets sockets = new HubSockets(this.codec); MessageHub hub = new MessageHub(this.codec, NEVER)) {
			for (Publication publication : publications) {
				hub.publish(0, publication.target(), publication.topic(), null,
						JsonNodeFactory.instance.numberNode(publication.value()), publication.retained());
			}
			assertThat(hub.retainedTopics()).containsExactlyElementsOf(model.keySet());
			Link newcomer = sockets.link();
			hub.welcome(newcomer.master());
			Map<String, Integer> replayed = new LinkedHashMap<>();
			Message message;
			while ((message = newcomer.receive()) instanceof Deliver deliver) {
				assertThat(deliver.retained()).isTrue();
				assertThat(replayed.put(deliver.topic(), deliver.payload().intValue())).as("topic replayed twice")
					.isNull();
			}
			assertThat(message).isEqualTo(new Message.Welcome(model.size()));
			assertThat(replayed).containsExactlyEntriesOf(model);
		}
	}

	/** What a recipient does with a delivery. */
	enum Fate {

		ACKNOWLEDGES, ACKNOWLEDGES_TWICE, DISCONNECTS, ACKNOWLEDGES_THEN_DISCONNECTS, STAYS_SILENT

	}

	/** A recipient of the delivery, and what it does. */
	record Member(boolean ready, Fate fate) {
	}

	@Property(tries = 150)
	void deliveryCountsTheReadyRecipientsThatAcknowledgedAndWaitsOnlyForTheSilentOnes(
			@ForAll("members") List<Member> members, @ForAll boolean broadcast) throws IOException {
		int target = broadcast ? MessageHub.ALL_WORKERS : 1;
		int targets = 0;
		int acknowledged = 0;
		boolean silentReadyTarget = false;
		for (int i = 0; i < members.size(); i++) {
			Member member = members.get(i);
			boolean targeted = broadcast || i + 1 == target;
			if (targeted && member.ready()) {
				targets++;
				if (member.fate() == Fate.STAYS_SILENT) {
					silentReadyTarget = true;
				}
				else if (member.fate() != Fate.DISCONNECTS) {
					acknowledged++;
				}
			}
		}
		try (HubSockets sockets = new HubSockets(this.codec); MessageHub hub = new MessageHub(this.codec, NEVER)) {
			List<Recipient> recipients = new ArrayList<>();
			List<Link> links = new ArrayList<>();
			for (int i = 0; i < members.size(); i++) {
				Link link = sockets.link();
				links.add(link);
				recipients.add(new Recipient(i + 1, 1000 + i, link.master(), members.get(i).ready()));
			}
			hub.recipients(() -> recipients);
			JsonNode payload = JsonNodeFactory.instance.textNode("x");
			CompletableFuture<Result> result = hub.publish(0, target, "t", null, payload, false);
			for (int i = 0; i < members.size(); i++) {
				boolean targeted = broadcast || i + 1 == target;
				if (!targeted) {
					links.get(i).assertNothingReceived();
					continue;
				}
				long id = links.get(i).receive(Deliver.class).deliveryId();
				long pid = 1000 + i;
				switch (members.get(i).fate()) {
					case ACKNOWLEDGES -> hub.delivered(pid, id);
					case ACKNOWLEDGES_TWICE -> {
						hub.delivered(pid, id);
						hub.delivered(pid, id);
					}
					case DISCONNECTS -> hub.disconnected(pid);
					case ACKNOWLEDGES_THEN_DISCONNECTS -> {
						hub.delivered(pid, id);
						hub.disconnected(pid);
					}
					case STAYS_SILENT -> {
					}
				}
			}
			if (silentReadyTarget) {
				assertThat(result).isNotDone();
				hub.close();
			}
			assertThat(result).isCompletedWithValue(new Result(acknowledged, targets));
		}
	}

	@Provide
	Arbitrary<List<Member>> members() {
		return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(Fate.class))
			.as(Member::new)
			.list()
			.ofMaxSize(5);
	}

	@Provide
	Arbitrary<List<Publication>> publications() {
		return Combinators
			.combine(Arbitraries.of("a", "b", "c", "d", "e"), Arbitraries.integers(), Arbitraries.of(true, false),
					Arbitraries.frequency(Tuple.of(4, MessageHub.ALL_WORKERS), Tuple.of(1, 1), Tuple.of(1, 2)))
			.as(Publication::new)
			.list()
			.ofMaxSize(20);
	}

}
