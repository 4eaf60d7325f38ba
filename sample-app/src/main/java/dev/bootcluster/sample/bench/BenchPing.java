package dev.bootcluster.sample.bench;

/**
 * The payload of {@code bench/broadcast}.
 *
 * @param seq sequence number
 * @param padding filler to reach the requested payload size
 */
public record BenchPing(long seq, String padding) {
}
