package dev.bootcluster.sample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * {@code --sample.fail-after-first-start.counter-file=<path>} makes a build that starts
 * once and then fails: every start adds one to the count in that file (under a file lock,
 * so concurrent starts count apart), and any start but the first fails while the context
 * is being refreshed, before the web server starts listening (the worker exits with
 * status 1 before it is READY). Baked into a deployed build, it gives a rollout whose
 * first replacement becomes READY and whose second one fails: a rollback that has
 * something to roll back.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("sample.fail-after-first-start.counter-file")
class FailAfterFirstStart {

	private static final Log logger = LogFactory.getLog(FailAfterFirstStart.class);

	@Bean
	StartCount startCount(Environment environment) throws IOException {
		Path file = Path.of(environment.getRequiredProperty("sample.fail-after-first-start.counter-file"));
		int count = increment(file);
		if (count > 1) {
			throw new IllegalStateException("sample.fail-after-first-start: start " + count
					+ " of this build (counted in " + file + ") fails on purpose");
		}
		logger.info("sample.fail-after-first-start: start 1 of this build (counted in " + file + ")");
		return new StartCount(count);
	}

	/** Adds one to the count in {@code file} (absent or empty: 0) and returns it. */
	static int increment(Path file) throws IOException {
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
				StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
			ByteBuffer buffer = ByteBuffer.allocate(32);
			while (channel.read(buffer) > 0 && buffer.hasRemaining()) {
				// read it all (a few digits)
			}
			String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
			int count = (text.isEmpty() ? 0 : Integer.parseInt(text)) + 1;
			channel.truncate(0);
			channel.write(ByteBuffer.wrap(Integer.toString(count).getBytes(StandardCharsets.US_ASCII)), 0);
			channel.force(true);
			return count;
		}
	}

	/**
	 * Which start of the build this process is.
	 *
	 * @param value the count after this start
	 */
	record StartCount(int value) {
	}

}
