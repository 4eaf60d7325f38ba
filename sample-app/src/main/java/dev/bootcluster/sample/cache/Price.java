package dev.bootcluster.sample.cache;

import java.io.Serializable;

/**
 * A price as computed (slowly) by one worker: which version of it, which process computed
 * it, and an id of that computation, so that an answer shows whether it came from a cache
 * and whose.
 *
 * @param id the price's id
 * @param version its version, raised by each update
 * @param computedBy the pid of the process that computed it
 * @param computation a unique id of the computation
 */
public record Price(String id, long version, long computedBy, String computation) implements Serializable {
}
