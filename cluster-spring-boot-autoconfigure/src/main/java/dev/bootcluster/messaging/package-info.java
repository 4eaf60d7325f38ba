/**
 * Messages between the processes of a cluster:
 * {@link dev.bootcluster.messaging.ClusterMessenger} and the events receivers get.
 */
@NullMarked
package dev.bootcluster.messaging;

import org.jspecify.annotations.NullMarked;
