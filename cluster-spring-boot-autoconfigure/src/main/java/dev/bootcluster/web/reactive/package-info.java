/**
 * Counts requests in progress in a WebFlux application, and says
 * {@code Connection: close} while draining.
 */
@NullMarked
package dev.bootcluster.web.reactive;

import org.jspecify.annotations.NullMarked;
