/**
 * Jetty: {@code SO_REUSEPORT} or the inherited shared socket on its server connectors,
 * and its drain.
 */
@NullMarked
package dev.bootcluster.web.jetty;

import org.jspecify.annotations.NullMarked;
