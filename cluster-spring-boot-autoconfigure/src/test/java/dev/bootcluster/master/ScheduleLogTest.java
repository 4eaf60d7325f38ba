package dev.bootcluster.master;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bootcluster.ipc.Message.Schedules;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ScheduleLog}: where scheduled methods run, logged once for the first
 * report and again only when a report changes.
 */
@ExtendWith(OutputCaptureExtension.class)
class ScheduleLogTest {

	private final ScheduleLog log = new ScheduleLog();

	@Test
	void theFirstReportIsLoggedAndTheSameFromAnotherWorkerIsNot(CapturedOutput output) {
		Schedules schedules = new Schedules("one-worker", List.of("Jobs.report", "Jobs.send"),
				List.of("Jobs.refreshLocalCache"));
		this.log.reported("worker-1 (pid 11)", schedules);
		this.log.reported("worker-2 (pid 12)",
				new Schedules("one-worker", List.of("Jobs.report", "Jobs.send"), List.of("Jobs.refreshLocalCache")));
		assertThat(output.getOut().lines().filter((line) -> line.contains("Scheduled methods"))).singleElement()
			.asString()
			.contains("INFO")
			.endsWith("Scheduled methods (cluster.scheduling=one-worker, as worker-1 (pid 11) reports them): "
					+ "on the scheduling lease holder only, one worker at a time: Jobs.report, Jobs.send; "
					+ "in every worker: Jobs.refreshLocalCache");
	}

	@Test
	void aChangedReportIsLoggedAgain(CapturedOutput output) {
		this.log.reported("worker-1 (pid 11)", new Schedules("one-worker", List.of("Jobs.report"), List.of()));
		this.log.reported("worker-1 (pid 13)",
				new Schedules("one-worker", List.of("Jobs.report", "Jobs.added"), List.of()));
		assertThat(output.getOut().lines().filter((line) -> line.contains("Scheduled methods"))).satisfiesExactly(
				(line) -> assertThat(line).endsWith("one worker at a time: Jobs.report; in every worker: none"),
				(line) -> assertThat(line).contains("as worker-1 (pid 13)")
					.endsWith("one worker at a time: Jobs.report, Jobs.added; in every worker: none"));
	}

	@Test
	void everyWorkerModeSaysEveryMethodRunsInEveryWorker() {
		assertThat(ScheduleLog.describe("worker-2 (pid 12)",
				new Schedules("every-worker", List.of(), List.of("Jobs.report", "Jobs.refreshLocalCache"))))
			.isEqualTo("Scheduled methods (cluster.scheduling=every-worker, as worker-2 (pid 12) reports them): "
					+ "in every worker: Jobs.report, Jobs.refreshLocalCache");
	}

}
