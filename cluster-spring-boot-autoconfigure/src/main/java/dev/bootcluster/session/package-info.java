/**
 * Spring Session on the master's cluster-wide store: the servlet and reactive session
 * repositories that make one login and one {@code HttpSession} valid on every worker.
 */
@NullMarked
package dev.bootcluster.session;

import org.jspecify.annotations.NullMarked;
