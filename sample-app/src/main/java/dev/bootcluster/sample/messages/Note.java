package dev.bootcluster.sample.messages;

/**
 * A broadcast any worker can send with {@code POST /messages}.
 *
 * @param text what it says
 * @param from worker id of the sender
 */
public record Note(String text, String from) {
}
