package dev.bootcluster.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The private directory (mode 0700) that holds a master's socket. Its name carries the
 * master's PID so that a later master can remove directories left behind by a master
 * killed with {@code kill -9}.
 */
public final class SocketDirectory {

	static final String PREFIX = "bootcluster-";

	private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

	private final Path directory;

	private SocketDirectory(Path directory) {
		this.directory = directory;
	}

	/**
	 * Creates a fresh private directory under {@code parent}, after removing stale ones.
	 */
	public static SocketDirectory create(Path parent, long pid) throws IOException {
		removeStale(parent);
		Path directory = Files.createTempDirectory(parent, PREFIX + pid + "-",
				PosixFilePermissions.asFileAttribute(OWNER_ONLY));
		// createTempDirectory applies the umask; set the mode explicitly
		Files.setPosixFilePermissions(directory, OWNER_ONLY);
		return new SocketDirectory(directory);
	}

	public Path path() {
		return this.directory;
	}

	public Path socket() {
		return this.directory.resolve("master.sock");
	}

	/** Deletes directories of masters that are no longer alive. */
	static void removeStale(Path parent) throws IOException {
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, PREFIX + "*")) {
			for (Path entry : entries) {
				long pid = ownerPid(entry.getFileName().toString());
				if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE
						&& Files.isDirectory(entry) && Files.isWritable(entry)) {
					deleteRecursively(entry);
				}
			}
		}
	}

	static long ownerPid(String name) {
		if (!name.startsWith(PREFIX)) {
			return -1;
		}
		String rest = name.substring(PREFIX.length());
		int dash = rest.indexOf('-');
		try {
			return Long.parseLong((dash > 0) ? rest.substring(0, dash) : rest);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	public void delete() {
		try {
			deleteRecursively(this.directory);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Deletes a file or a directory tree; nothing when it does not exist. */
	public static void deleteRecursively(Path path) throws IOException {
		if (!Files.exists(path)) {
			return;
		}
		try (Stream<Path> walk = Files.walk(path)) {
			for (Path each : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
				Files.deleteIfExists(each);
			}
		}
	}

}
