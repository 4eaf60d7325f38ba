/**
 * Tomcat: a {@code SO_REUSEPORT} NIO endpoint, the inherited shared socket, and its
 * drain.
 */
@NullMarked
package dev.bootcluster.web.tomcat;

import org.jspecify.annotations.NullMarked;
