package dev.bootcluster.sample.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Other builds of the sample jar for deploy tests: the same jar plus a
 * {@code BOOT-INF/classes/application.properties} (which wins over application.yml).
 */
final class SampleBuilds {

	private SampleBuilds() {
	}

	/**
	 * Writes a variant of {@code source} beside {@code target} and renames it over
	 * {@code target}, as a deploy should (copying into a jar running JVMs read corrupts
	 * them).
	 */
	static void deploy(Path source, Path target, String properties) throws IOException {
		Path staged = target.resolveSibling(target.getFileName() + ".new");
		try (ZipFile zip = new ZipFile(source.toFile());
				ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(staged))) {
			Enumeration<? extends ZipEntry> entries = zip.entries();
			while (entries.hasMoreElements()) {
				ZipEntry entry = entries.nextElement();
				// keeps STORED entries stored (nested jars must be), with their size and
				// CRC
				ZipEntry copy = new ZipEntry(entry);
				if (copy.getMethod() == ZipEntry.DEFLATED) {
					copy.setCompressedSize(-1);
				}
				out.putNextEntry(copy);
				try (InputStream in = zip.getInputStream(entry)) {
					in.transferTo(out);
				}
				out.closeEntry();
			}
			out.putNextEntry(new ZipEntry("BOOT-INF/classes/application.properties"));
			OutputStream body = out;
			body.write(properties.getBytes(StandardCharsets.UTF_8));
			out.closeEntry();
		}
		Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
	}

}
