/**
 * The worker side of IPC: the agent connected to the master (no Spring; never depends on
 * master).
 */
@NullMarked
package dev.bootcluster.worker;

import org.jspecify.annotations.NullMarked;
