package dev.bootcluster.context;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Properties of {@link WorkerCount}. (Named {@code *Test} so that Surefire's default
 * includes pick it up.)
 */
class WorkerCountPropertiesTest {

	@Property
	void autoIsTheClampedCpuCount(@ForAll int cpus, @ForAll("autoSpellings") String value) {
		assertThat(WorkerCount.parse(value, () -> cpus)).isEqualTo(Math.max(1, Math.min(256, cpus)));
	}

	@Property
	void everyNumberFromOneToMaxIsItself(@ForAll @IntRange(min = 1, max = 256) int count,
			@ForAll("blanks") String before, @ForAll("blanks") String after) {
		assertThat(WorkerCount.parse(before + count + after, () -> 1)).isEqualTo(count);
	}

	@Property
	void everyOtherIntegerIsRejected(@ForAll int count) {
		Assume.that(count < 1 || count > 256);
		assertRejected(Integer.toString(count));
	}

	@Property(tries = 2000)
	void anyStringIsAutoOrANumberOrRejectedWithConfigurationException(@ForAll String value) {
		int count;
		try {
			count = WorkerCount.parse(value, () -> 8);
		}
		catch (ClusterConfigurationException ex) {
			assertThat(ex.getProperty()).isEqualTo("cluster.workers");
			return;
		}
		String trimmed = value.trim();
		assertThat(count).isBetween(1, 256);
		assertThat(trimmed.equalsIgnoreCase("auto") || trimmed.matches("0*" + count)).isTrue();
	}

	@Provide
	Arbitrary<String> autoSpellings() {
		Arbitrary<String> cased = Arbitraries.of("auto", "AUTO", "Auto", "aUTo", "autO");
		return Combinators.combine(blanks(), cased, blanks()).as((a, b, c) -> a + b + c);
	}

	@Provide
	Arbitrary<String> blanks() {
		return Arbitraries.strings().withChars(' ', '\t', '\n', '\r').ofMaxLength(3);
	}

	private static void assertRejected(String value) {
		assertThatExceptionOfType(ClusterConfigurationException.class)
			.isThrownBy(() -> WorkerCount.parse(value, () -> 4))
			.satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("cluster.workers"));
	}

}
