package dev.bootcluster.sample.bench;

/**
 * The payload of {@code bench/broadcast}.
 *
 * @param run the measurement it belongs to
 * @param seq sequence number within the run
 * @param sentAtMicros wall-clock time of the {@code broadcast} call, in microseconds
 * since the epoch (every worker runs on the same machine, so they share the clock)
 * @param padding filler to reach the requested payload size
 */
public record BenchPing(String run, int seq, long sentAtMicros, String padding) {
}
