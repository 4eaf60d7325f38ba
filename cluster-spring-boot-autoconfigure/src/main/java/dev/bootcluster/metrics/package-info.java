/**
 * Cluster-wide metrics: every worker's Prometheus series through any worker (in progress:
 * the snapshot codec the workers and the master exchange them in).
 */
@NullMarked
package dev.bootcluster.metrics;

import org.jspecify.annotations.NullMarked;
