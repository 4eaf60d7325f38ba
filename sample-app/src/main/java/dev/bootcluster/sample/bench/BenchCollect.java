package dev.bootcluster.sample.bench;

/**
 * Asks every worker to send what it received during a run to the worker that ran it.
 *
 * @param run the run
 * @param replyTo worker id of the worker that ran it
 */
public record BenchCollect(String run, int replyTo) {
}
