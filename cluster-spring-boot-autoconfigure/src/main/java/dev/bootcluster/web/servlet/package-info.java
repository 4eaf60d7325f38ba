/**
 * Counts requests in progress in a servlet application, and says
 * {@code Connection: close} while draining.
 */
@NullMarked
package dev.bootcluster.web.servlet;

import org.jspecify.annotations.NullMarked;
