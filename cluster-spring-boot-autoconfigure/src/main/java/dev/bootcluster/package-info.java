/**
 * Cluster roles, worker states and snapshots: the vocabulary every layer shares (JDK
 * only).
 */
@NullMarked
package dev.bootcluster;

import org.jspecify.annotations.NullMarked;
