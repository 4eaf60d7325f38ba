/**
 * Scheduling across the cluster: a lease held from the master's store so that
 * {@code @Scheduled} methods run on one worker per tick, {@link EveryWorker} for the
 * methods that must run in every worker, and a ShedLock {@code LockProvider} on the
 * store. Depends on the store's API only, never on the master or worker internals.
 */
@NullMarked
package dev.bootcluster.scheduling;

import org.jspecify.annotations.NullMarked;
