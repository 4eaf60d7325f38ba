/**
 * Actuator endpoint, health and metrics; sees only ClusterOperations.
 */
@NullMarked
package dev.bootcluster.actuate;

import org.jspecify.annotations.NullMarked;
