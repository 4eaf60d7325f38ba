package dev.bootcluster.master;

import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link WorkerProcess}: the relay of a worker's output, and the thread dump it
 * keeps when asked.
 */
class WorkerProcessTest {

	@Test
	void aThreadDumpIsKeptUntilItsLastLineAndSaysWhenItIsWhole() throws Exception {
		PipedOutputStream stdout = new PipedOutputStream();
		FakeProcess fake = new FakeProcess(new PipedInputStream(stdout, 64 * 1024));
		WorkerProcess process = new WorkerProcess(1, fake, Instant.now());
		LineBuffer lines = new LineBuffer(50);
		process.relayOutput(new PrintStream(OutputStream.nullOutputStream()),
				new PrintStream(OutputStream.nullOutputStream()), lines);
		write(stdout, "before the dump");
		await().atMost(Duration.ofSeconds(10)).until(() -> lines.lines().contains("before the dump"));
		CompletableFuture<Void> whole = process.startCapture(100);
		write(stdout, "Full thread dump OpenJDK 64-Bit Server VM");
		write(stdout, "\"main\" #1 prio=5 os_prio=0");
		assertThat(whole).isNotDone();
		write(stdout, "JNI global refs: 12, weak refs: 0");
		await().atMost(Duration.ofSeconds(10)).until(whole::isDone);
		assertThat(process.stopCapture()).containsExactly("Full thread dump OpenJDK 64-Bit Server VM",
				"\"main\" #1 prio=5 os_prio=0", "JNI global refs: 12, weak refs: 0");
		write(stdout, "after the dump");
		await().atMost(Duration.ofSeconds(10)).until(() -> lines.lines().contains("after the dump"));
		assertThat(process.stopCapture()).as("nothing kept once stopped").isEmpty();
		stdout.close();
		fake.exit(0);
	}

	private static void write(PipedOutputStream stdout, String line) throws Exception {
		stdout.write((line + "\n").getBytes(StandardCharsets.UTF_8));
		stdout.flush();
	}

}
