/**
 * Spring's cache abstraction made coherent across workers: near caches whose writes are
 * invalidated on every other worker through the master, or caches held in the master's
 * store.
 */
@NullMarked
package dev.bootcluster.cache;

import org.jspecify.annotations.NullMarked;
