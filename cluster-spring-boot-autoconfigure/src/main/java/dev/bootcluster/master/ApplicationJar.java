package dev.bootcluster.master;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The application jar of a {@code java -jar} launch, as workers run it. Workers never run
 * the user's jar file itself but private copies: the last good build (first start, crash
 * replacements) and, during a rolling restart, a candidate copied from the jar on disk
 * when the restart began. So a new build put in place of the jar is what a rolling
 * restart deploys, a broken one never reaches crash replacements, and replacing the file
 * (even by copying into it) cannot corrupt running workers.
 */
public final class ApplicationJar {

	private static final Log logger = LogFactory.getLog(ApplicationJar.class);

	private final Path source;

	private final Path directory;

	private Path lastGood;

	private @Nullable Path candidate;

	private int generation;

	private ApplicationJar(Path source, Path directory) throws IOException {
		this.source = source;
		this.directory = directory;
		this.lastGood = copy("good");
	}

	/**
	 * Copies the jar of a {@code -jar} command into {@code directory}; null for
	 * class-path launches.
	 */
	public static @Nullable ApplicationJar of(List<String> command, Path directory) throws IOException {
		int jar = command.indexOf("-jar");
		if (jar < 0 || jar + 1 >= command.size()) {
			return null;
		}
		return new ApplicationJar(Path.of(command.get(jar + 1)).toAbsolutePath(), directory);
	}

	public Path source() {
		return this.source;
	}

	public synchronized Path lastGood() {
		return this.lastGood;
	}

	/**
	 * The candidate of the running rollout, or the last good build when there is none.
	 */
	public synchronized Path candidate() {
		return (this.candidate != null) ? this.candidate : this.lastGood;
	}

	/** Copies the jar on disk as the candidate of a new rollout. */
	public synchronized void prepareCandidate() {
		discardCandidate();
		try {
			this.candidate = copy("candidate");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot copy " + this.source + ": " + ex.getMessage(), ex);
		}
	}

	/** The rollout succeeded: its candidate is the last good build now. */
	public synchronized void promoteCandidate() {
		if (this.candidate != null) {
			Path previous = this.lastGood;
			this.lastGood = this.candidate;
			this.candidate = null;
			deleteQuietly(previous);
			logger.info("The build of " + this.source + " deployed by the rollout is now the last good build");
		}
	}

	/**
	 * The rollout failed: forget its candidate; crash replacements keep using the last
	 * good build.
	 */
	public synchronized void discardCandidate() {
		if (this.candidate != null) {
			deleteQuietly(this.candidate);
			this.candidate = null;
		}
	}

	/** The command with its {@code -jar} path replaced by {@code jar}. */
	public static List<String> withJar(List<String> command, Path jar) {
		List<String> result = new ArrayList<>(command);
		int index = result.indexOf("-jar");
		if (index >= 0 && index + 1 < result.size()) {
			result.set(index + 1, jar.toString());
		}
		return result;
	}

	private Path copy(String kind) throws IOException {
		Path target = this.directory.resolve(kind + "-" + (++this.generation) + ".jar");
		Path temporary = this.directory.resolve(target.getFileName() + ".tmp");
		Files.copy(this.source, temporary, StandardCopyOption.REPLACE_EXISTING);
		Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
		return target;
	}

	private static void deleteQuietly(Path path) {
		try {
			Files.deleteIfExists(path);
		}
		catch (IOException ex) {
			logger.debug("Could not delete " + path + ": " + ex.getMessage());
		}
	}

}
