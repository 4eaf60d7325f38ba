/**
 * Logging in workers: which worker wrote each line, in the line itself.
 */
@NullMarked
package dev.bootcluster.logging;

import org.jspecify.annotations.NullMarked;
