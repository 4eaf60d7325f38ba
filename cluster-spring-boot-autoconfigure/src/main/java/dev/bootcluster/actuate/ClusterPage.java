package dev.bootcluster.actuate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The live page at {@code /actuator/cluster/ui}: one self-contained HTML file (its style
 * and script inline, nothing fetched from elsewhere, no front-end build) that reads
 * {@code GET /actuator/cluster} every second and draws a row per worker, the desired and
 * ready counts, a running rolling restart as a progress bar with its step, and a chart of
 * each worker's requests per second. Its restart, scale and broadcast controls are there
 * only when the write operation is open, each asks for confirmation, and the endpoint's
 * answer is shown as it came (409, 413, ...).
 */
final class ClusterPage {

	/** The page's name under the endpoint. */
	static final String NAME = "ui";

	private static final String WRITE_PLACEHOLDER = "/*WRITE*/false";

	private static final String TEMPLATE = load();

	private ClusterPage() {
	}

	/** The page, its controls shown if {@code writeAccess}. */
	static String render(boolean writeAccess) {
		return TEMPLATE.replace(WRITE_PLACEHOLDER, Boolean.toString(writeAccess));
	}

	private static String load() {
		try (InputStream in = ClusterPage.class.getResourceAsStream("cluster-page.html")) {
			if (in == null) {
				throw new IllegalStateException("cluster-page.html is missing from the starter's jar");
			}
			String page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			if (!page.contains(WRITE_PLACEHOLDER)) {
				throw new IllegalStateException("cluster-page.html has no " + WRITE_PLACEHOLDER);
			}
			return page;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
