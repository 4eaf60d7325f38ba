package dev.bootcluster.sample.bench;

/**
 * One worker's receipts of a run.
 *
 * @param run the run
 * @param worker the reporting worker's id
 * @param seqs sequence numbers received
 * @param micros for each, microseconds from the {@code broadcast} call to the listener
 */
public record BenchReport(String run, int worker, int[] seqs, long[] micros) {
}
