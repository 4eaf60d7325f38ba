package dev.bootcluster.sample.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live page {@code /actuator/cluster/ui} in headless Chromium: a READY row per
 * worker; after a {@code kill -9} the worker's row leaves READY and comes back with one
 * restart; a rolling restart started from the page (confirmed on the page) shows its
 * progress and ends SUCCEEDED, and an action the endpoint refuses meanwhile shows its
 * answer (409) as it came. A screenshot taken during the rolling restart is left in
 * {@code target/cluster-ui-rolling-restart.png} (docs/cluster-ui.png is one).
 */
@ExtendWith(HeadlessChromium.Cleanup.class)
class ClusterPageIT extends ClusterTestSupport {

	/** The rows as "slot:state:restarts". */
	private static final String ROWS = "[...document.querySelectorAll('#workers tr[data-slot]')]"
			+ ".map((row) => row.dataset.slot + ':' + row.dataset.state + ':' + row.dataset.restarts)";

	private static final Duration PAGE_WAIT = Duration.ofSeconds(60);

	@Test
	@SuppressWarnings("unchecked")
	void thePageShowsTheWorkersACrashAndARollingRestartStartedFromIt() throws Exception {
		this.cluster = ClusterProcess.start("--server.port=0", "--cluster.workers=2");
		this.cluster.awaitReady(2);
		// some traffic for the chart and the req/s column
		LoadClient load = new LoadClient(this.cluster.port(), "/", 1, 1);
		try {
			drive(HeadlessChromium.start());
		}
		finally {
			load.close();
		}
		// (the kill -9 resets the connections the killed worker held: no zero-loss check
		// here; RollingRestartIT and ScalingIT make that one)
		assertThat(load.succeeded()).isPositive();
	}

	@SuppressWarnings("unchecked")
	private void drive(HeadlessChromium browser) throws Exception {
		browser.navigate("http://127.0.0.1:" + this.cluster.port() + "/actuator/cluster/ui");
		awaitRows(browser, List.of("1:READY:0", "2:READY:0"));
		assertThat(text(browser, "ready")).isEqualTo("2");
		assertThat(text(browser, "desired")).isEqualTo("2");
		await().atMost(PAGE_WAIT)
			.pollInterval(Duration.ofMillis(100))
			.until(() -> !browser
				.evaluate("document.querySelector('#workers tr[data-slot=\"1\"] td:last-child').textContent")
				.asString()
				.equals("–"));
		assertThat(browser.evaluate("document.getElementById('controls').hidden").asBoolean())
			.as("the sample opens the write operation: the controls are there")
			.isFalse();

		// kill -9: the row leaves READY, then comes back with one restart
		List<Map<String, Object>> workers = (List<Map<String, Object>>) this.cluster.status().get("workers");
		long victim = ((Number) workers.get(0).get("pid")).longValue();
		ClusterProcess.signal(victim, "KILL");
		await().atMost(PAGE_WAIT)
			.pollInterval(Duration.ofMillis(100))
			.until(() -> !rows(browser).get(0).startsWith("1:READY:"));
		awaitRows(browser, List.of("1:READY:1", "2:READY:0"));
		assertThat(browser.evaluate("document.querySelector('#workers tr[data-slot=\"1\"] td.last').textContent")
			.asString()).startsWith("CRASHED 137 (pid " + victim + ")");

		// a rolling restart from the page: asked for confirmation first
		click(browser, "restart");
		assertThat(browser.evaluate("document.getElementById('confirm').hidden").asBoolean()).isFalse();
		assertThat(text(browser, "confirm-text")).isEqualTo("Restart every worker, one at a time?");
		assertThat(this.cluster.status().get("restart")).as("nothing until confirmed").isNull();
		click(browser, "confirm-yes");
		await().atMost(PAGE_WAIT)
			.pollInterval(Duration.ofMillis(100))
			.until(() -> "RUNNING"
				.equals(browser.evaluate("document.getElementById('operation').dataset.state").asString())
					&& !text(browser, "operation-step").isEmpty());
		assertThat(text(browser, "result")).isEqualTo("POST /actuator/cluster/restart: HTTP 202");
		assertThat(browser.evaluate("document.getElementById('progress').max").asInt()).isEqualTo(2);
		// a replacement starting: its row shows it
		await().atMost(PAGE_WAIT)
			.pollInterval(Duration.ofMillis(100))
			.until(() -> rows(browser).stream().anyMatch((row) -> row.contains(":STARTING:")));
		browser.screenshot(Path.of("target", "cluster-ui-rolling-restart.png"));

		// the endpoint refuses to scale while it runs: the page says so as it was told
		browser.evaluate("document.getElementById('scale-count').value = '3'");
		click(browser, "scale");
		click(browser, "confirm-yes");
		await().atMost(PAGE_WAIT)
			.pollInterval(Duration.ofMillis(100))
			.until(() -> "409".equals(browser.evaluate("document.getElementById('result').dataset.status").asString()));
		assertThat(text(browser, "result")).startsWith("POST /actuator/cluster/scale: HTTP 409: A rolling restart (")
			.endsWith(") is running; scale once it ended");

		await().atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofMillis(250))
			.until(() -> "SUCCEEDED".equals(text(browser, "operation-state")));
		assertThat(browser.evaluate("document.getElementById('progress').value").asInt()).isEqualTo(2);
		assertThat(text(browser, "operation-count")).isEqualTo("2 of 2 workers");
		awaitRows(browser, List.of("1:READY:1", "2:READY:0"));
		assertThat(this.cluster.status()).containsEntry("desired", 2);
	}

	private static void awaitRows(HeadlessChromium browser, List<String> expected) {
		await().atMost(PAGE_WAIT).pollInterval(Duration.ofMillis(100)).until(() -> rows(browser).equals(expected));
	}

	private static List<String> rows(HeadlessChromium browser) {
		List<String> rows = new ArrayList<>();
		for (JsonNode row : browser.evaluate(ROWS)) {
			rows.add(row.asString());
		}
		return rows;
	}

	private static String text(HeadlessChromium browser, String id) {
		return browser.evaluate("document.getElementById('" + id + "').textContent").asString();
	}

	private static void click(HeadlessChromium browser, String id) {
		browser.evaluate("document.getElementById('" + id + "').click()");
	}

}
