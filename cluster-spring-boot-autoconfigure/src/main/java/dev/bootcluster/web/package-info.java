/**
 * SO_REUSEPORT listeners for the embedded web servers.
 */
@NullMarked
package dev.bootcluster.web;

import org.jspecify.annotations.NullMarked;
