package dev.bootcluster.master;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

/**
 * Decides when a READY worker is due to be recycled (replaced through the rolling path
 * with a fresh process of the same build): after {@code maxRequests} requests, after
 * {@code maxAge}, or once its heap after a garbage collection is over
 * {@code maxHeapAfterGc}. Each process's request and age limits are raised by a random
 * fraction from 0 to {@code jitter}, drawn once for the process, so that workers started
 * together do not come due together (Gunicorn's {@code max_requests_jitter}). Pure: the
 * randomness is injected, the figures passed in.
 */
public final class RecyclePolicy {

	/** Never recycles. */
	public static final RecyclePolicy NONE = new RecyclePolicy(0, null, null, 0, RandomGenerator.getDefault());

	private final long maxRequests;

	private final @Nullable Duration maxAge;

	private final @Nullable HeapThreshold maxHeapAfterGc;

	private final double jitter;

	private final RandomGenerator random;

	/**
	 * @param maxRequests requests a process serves before it is recycled, 0 for no limit
	 * @param maxAge how long a process runs before it is recycled, or null for no limit
	 * @param maxHeapAfterGc heap in use after a collection above which a process is
	 * recycled, or null for no limit
	 * @param jitter the largest fraction (0 to 1) by which a process's request and age
	 * limits are raised
	 */
	public RecyclePolicy(long maxRequests, @Nullable Duration maxAge, @Nullable HeapThreshold maxHeapAfterGc,
			double jitter, RandomGenerator random) {
		if (maxRequests < 0) {
			throw new IllegalArgumentException("maxRequests must not be negative");
		}
		if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
			throw new IllegalArgumentException("maxAge must be positive");
		}
		if (!(jitter >= 0 && jitter <= 1)) {
			throw new IllegalArgumentException("jitter must be from 0 to 1");
		}
		this.maxRequests = maxRequests;
		this.maxAge = maxAge;
		this.maxHeapAfterGc = maxHeapAfterGc;
		this.jitter = jitter;
		this.random = random;
	}

	/** Whether any limit is set. */
	public boolean enabled() {
		return this.maxRequests > 0 || this.maxAge != null || this.maxHeapAfterGc != null;
	}

	/**
	 * The limits, for the master's log: {@code max-requests 1000, max-age 1h (+0-10%)}.
	 */
	public String describe() {
		List<String> limits = new ArrayList<>();
		if (this.maxRequests > 0) {
			limits.add("max-requests " + this.maxRequests);
		}
		if (this.maxAge != null) {
			limits.add("max-age " + format(this.maxAge));
		}
		if (this.maxHeapAfterGc != null) {
			limits.add("max-heap-after-gc " + this.maxHeapAfterGc.describe(-1));
		}
		String jitter = (this.jitter > 0 && (this.maxRequests > 0 || this.maxAge != null))
				? " (request and age limits raised by up to " + Math.round(this.jitter * 100) + "% per worker)" : "";
		return String.join(", ", limits) + jitter;
	}

	/** The heap threshold, or null. */
	public @Nullable HeapThreshold maxHeapAfterGc() {
		return this.maxHeapAfterGc;
	}

	/** Draws one process's limits. */
	public Limits draw() {
		double factor = 1 + ((this.jitter > 0) ? this.random.nextDouble(this.jitter) : 0);
		long requests = (this.maxRequests > 0) ? (long) Math.ceil(this.maxRequests * factor) : 0;
		Duration age = (this.maxAge != null) ? Duration.ofMillis((long) Math.ceil(this.maxAge.toMillis() * factor))
				: null;
		return new Limits(requests, age);
	}

	/**
	 * Why a process is due to be recycled, or null while it is not.
	 * @param limits the process's limits, from {@link #draw()}
	 * @param requests requests it has served
	 * @param age how long it has run
	 * @param heapAfterGc heap in use after its last collection, or -1 before its first
	 * @param heapMax its maximum heap, or -1 when it has none
	 */
	public @Nullable String due(Limits limits, long requests, Duration age, long heapAfterGc, long heapMax) {
		if (limits.maxRequests() > 0 && requests >= limits.maxRequests()) {
			return "max-requests: served " + requests + " requests (limit " + limits.maxRequests() + ")";
		}
		Duration maxAge = limits.maxAge();
		if (maxAge != null && age.compareTo(maxAge) >= 0) {
			return "max-age: ran " + format(age) + " (limit " + format(maxAge) + ")";
		}
		HeapThreshold heap = this.maxHeapAfterGc;
		if (heap != null && heap.exceededBy(heapAfterGc, heapMax)) {
			return "max-heap-after-gc: " + megabytes(heapAfterGc) + "MB in use after GC (limit "
					+ heap.describe(heapMax) + ")";
		}
		return null;
	}

	static long megabytes(long bytes) {
		return bytes / (1024 * 1024);
	}

	private static String format(Duration duration) {
		return duration.toString().substring(2).toLowerCase(Locale.ROOT);
	}

	/**
	 * One process's limits.
	 *
	 * @param maxRequests requests, 0 for none
	 * @param maxAge age, or null for none
	 */
	public record Limits(long maxRequests, @Nullable Duration maxAge) {

		/** No limit. */
		public static final Limits NONE = new Limits(0, null);

	}

	/**
	 * A heap size above which a worker is recycled: a fraction of its maximum heap, or a
	 * size.
	 *
	 * @param fraction from 0 (excluded) to 1, or 0 when {@code bytes} is set
	 * @param bytes a size, or 0 when {@code fraction} is set
	 */
	public record HeapThreshold(double fraction, long bytes) {

		/** A size as Spring's {@code DataSize} writes it: {@code 512MB}. */
		private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([A-Za-z]+)");

		private static final List<String> UNITS = List.of("B", "KB", "MB", "GB", "TB");

		public HeapThreshold {
			if ((fraction > 0) == (bytes > 0) || fraction > 1 || fraction < 0 || bytes < 0) {
				throw new IllegalArgumentException("a fraction from 0 to 1 or a positive size, not both");
			}
		}

		/**
		 * Reads {@code 0.85} or {@code 85%} (a fraction of the maximum heap) or a size
		 * with its unit ({@code 512MB}).
		 * @throws IllegalArgumentException for anything else
		 */
		public static HeapThreshold parse(String text) {
			String value = text.trim();
			try {
				if (value.endsWith("%")) {
					return new HeapThreshold(Double.parseDouble(value.substring(0, value.length() - 1).trim()) / 100,
							0);
				}
				if (value.matches("[0-9]*\\.[0-9]+|[01]")) {
					return new HeapThreshold(Double.parseDouble(value), 0);
				}
				Matcher size = SIZE.matcher(value);
				if (size.matches()) {
					int unit = UNITS.indexOf(size.group(2).toUpperCase(Locale.ROOT));
					if (unit >= 0) {
						return new HeapThreshold(0,
								Math.multiplyExact(Long.parseLong(size.group(1)), 1L << (10 * unit)));
					}
				}
			}
			catch (IllegalArgumentException | ArithmeticException ex) {
				// out of range: the message below
			}
			throw new IllegalArgumentException("'" + text
					+ "' is neither a fraction of the maximum heap (0.85 or 85%) nor a size with its unit (512MB)");
		}

		/**
		 * Whether a process with this heap after GC and maximum is over the threshold.
		 */
		boolean exceededBy(long heapAfterGc, long heapMax) {
			if (heapAfterGc < 0) {
				return false;
			}
			if (this.bytes > 0) {
				return heapAfterGc > this.bytes;
			}
			return heapMax > 0 && heapAfterGc > this.fraction * heapMax;
		}

		String describe(long heapMax) {
			if (this.bytes > 0) {
				return megabytes(this.bytes) + "MB";
			}
			String percent = Math.round(this.fraction * 1000) / 10.0 + "%";
			return (heapMax > 0) ? percent + " of " + megabytes(heapMax) + "MB" : percent;
		}

	}

}
