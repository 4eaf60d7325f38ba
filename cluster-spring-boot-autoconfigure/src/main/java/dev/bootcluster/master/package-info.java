/**
 * The supervisor: worker processes, restart policy, launch commands (no Spring).
 */
@NullMarked
package dev.bootcluster.master;

import org.jspecify.annotations.NullMarked;
