/**
 * Spring glue: role detection before the context exists, master takeover, readiness
 * bridge.
 */
@NullMarked
package dev.bootcluster.context;

import org.jspecify.annotations.NullMarked;
