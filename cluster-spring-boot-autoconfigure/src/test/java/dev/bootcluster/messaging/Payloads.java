package dev.bootcluster.messaging;

import java.time.Instant;

/**
 * Payload types of the messaging tests: application classes, as far as
 * {@link PayloadCodec} can tell.
 */
public final class Payloads {

	private Payloads() {
	}

	/** A typed payload with a JDK value inside. */
	public record Tick(String name, Instant at) {
	}

	/** A request. */
	public record Ping(int seq) {
	}

	/** Its answer. */
	public record Pong(int seq, String from) {
	}

	/** A request nobody answers. */
	public record Unanswered(String question) {
	}

	/** A type that only binds from a number. */
	public record Strict(int count) {
	}

	/** A camel-case property, to see which JSON mapper wrote it. */
	public record UsersCount(int activeUsers) {
	}

	/** A payload Jackson cannot write. */
	public static final class Unwritable {

		public String getValue() {
			throw new IllegalStateException("no value");
		}

	}

}
