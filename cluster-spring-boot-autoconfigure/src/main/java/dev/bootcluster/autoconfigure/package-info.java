/**
 * Properties, role conditions, failure analysis and auto-configuration.
 */
@NullMarked
package dev.bootcluster.autoconfigure;

import org.jspecify.annotations.NullMarked;
