package dev.bootcluster.cache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

/**
 * Tells a {@code @Cacheable} miss's fill from a write. Spring's cache aspect stores what
 * a {@code @Cacheable} method computed after a miss with {@code Cache.put}, as it does
 * what a {@code @CachePut} method returns: the first must stay local (another worker's
 * entry of the key is as fresh, and evicting it would make every worker's fill evict the
 * others'), the second must evict the key everywhere.
 * <p>
 * This interceptor runs around every method with cache annotations, outside Spring's
 * cache interceptor, and opens a scope on the calling thread for the invocation. A near
 * cache records the misses of lookups made in the scope; a put of a key that missed in
 * the same scope is a fill. Scopes nest with the invocations and end with them, so a miss
 * whose method threw or whose result was not cached ({@code unless}) is forgotten with
 * its invocation. A put outside any scope (Spring's AspectJ mode, an asynchronous result,
 * a programmatic put) is a write: a fill taken for a write costs other workers an entry,
 * the reverse would leave them stale.
 */
public final class CacheFills implements MethodInterceptor {

	private static final ThreadLocal<Deque<Scope>> scopes = ThreadLocal.withInitial(ArrayDeque::new);

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Deque<Scope> open = scopes.get();
		open.push(new Scope());
		try {
			return invocation.proceed();
		}
		finally {
			open.pop();
			if (open.isEmpty()) {
				scopes.remove();
			}
		}
	}

	/**
	 * Runs an action in a scope of its own (what the interceptor does around a method).
	 */
	static void within(Runnable action) {
		Deque<Scope> open = scopes.get();
		open.push(new Scope());
		try {
			action.run();
		}
		finally {
			open.pop();
			if (open.isEmpty()) {
				scopes.remove();
			}
		}
	}

	/**
	 * A lookup missed: remembered in the current scope, if any.
	 * @param writes the cache's write count when it missed
	 */
	static void missed(Object cache, Object key, long writes) {
		Scope scope = current();
		if (scope != null) {
			scope.misses.add(new Miss(cache, key, writes));
		}
	}

	/**
	 * Whether a put is the fill of a miss of the current scope, which it consumes.
	 * @return the cache's write count when the key missed, or -1 if the put is a write
	 */
	static long fill(Object cache, Object key) {
		Scope scope = current();
		if (scope != null) {
			for (Iterator<Miss> misses = scope.misses.iterator(); misses.hasNext();) {
				Miss miss = misses.next();
				if (miss.cache() == cache && miss.key().equals(key)) {
					misses.remove();
					return miss.writes();
				}
			}
		}
		return -1;
	}

	private static @Nullable Scope current() {
		Deque<Scope> open = scopes.get();
		Scope scope = open.peek();
		if (scope == null) {
			scopes.remove();
		}
		return scope;
	}

	/** The misses of one invocation. */
	private static final class Scope {

		final List<Miss> misses = new ArrayList<>(1);

	}

	private record Miss(Object cache, Object key, long writes) {
	}

}
