/**
 * Inter-process messages: records, a length-prefixed JSON codec and Unix-socket channels
 * (no Spring).
 */
@NullMarked
package dev.bootcluster.ipc;

import org.jspecify.annotations.NullMarked;
