package dev.bootcluster.sample;

/**
 * CPU work the JIT cannot remove: every iteration feeds the next (an xorshift step), and
 * the result is returned to the caller.
 */
final class Work {

	private Work() {
	}

	static long burn(long iterations) {
		long x = 0x9E3779B97F4A7C15L ^ iterations;
		for (long i = 0; i < iterations; i++) {
			x ^= x << 13;
			x ^= x >>> 7;
			x ^= x << 17;
		}
		return x;
	}

}
