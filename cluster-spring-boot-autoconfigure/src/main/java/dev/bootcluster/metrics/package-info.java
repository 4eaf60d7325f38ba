/**
 * Cluster-wide metrics: every worker's Prometheus series through any worker's
 * {@code /actuator/prometheus}
 * ({@link dev.bootcluster.metrics.ClusterPrometheusRegistry}, merged by
 * {@link dev.bootcluster.metrics.ClusterScrape}, with the master's
 * {@link dev.bootcluster.metrics.MetricsLedger} keeping each slot's retired totals), and
 * {@code /actuator/metrics} over every worker.
 */
@NullMarked
package dev.bootcluster.metrics;

import org.jspecify.annotations.NullMarked;
