/**
 * Reactor Netty: {@code SO_REUSEPORT} on the server channel or the inherited shared
 * socket through an NIO channel, and its drain.
 */
@NullMarked
package dev.bootcluster.web.netty;

import org.jspecify.annotations.NullMarked;
