package dev.bootcluster.worker;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * Keeps a worker's output reaching the master once its server closes the shared socket.
 * The JDK detaches the standard streams when the channel
 * {@link System#inheritedChannel()} returned is closed (it puts {@code /dev/null} on
 * descriptors 0, 1 and 2), which Jetty and Reactor Netty do when they stop listening, and
 * the rest of what the worker logs would be lost. So a worker with an inherited socket
 * writes {@code System.out} and {@code System.err} through descriptors of their own,
 * opened on the same pipes through {@code /proc/self/fd}, before logging starts.
 */
public final class StandardStreams {

	private StandardStreams() {
	}

	/**
	 * Reopens {@code System.out} and {@code System.err} on their pipes, where this is
	 * Linux and they are pipes or files; leaves them as they are otherwise.
	 * @return whether both were reopened
	 */
	public static boolean reopen() {
		PrintStream out = reopen(1);
		PrintStream err = reopen(2);
		if (out == null || err == null) {
			return false;
		}
		System.out.flush();
		System.err.flush();
		System.setOut(out);
		System.setErr(err);
		return true;
	}

	private static @Nullable PrintStream reopen(int descriptor) {
		Path path = Path.of("/proc/self/fd/" + descriptor);
		try {
			// a socket or a terminal cannot be reopened through /proc; a pipe or a file
			// can
			String target = Files.readSymbolicLink(path).toString();
			if (!target.startsWith("pipe:") && !target.startsWith("/")) {
				return null;
			}
			return new PrintStream(new BufferedOutputStream(new FileOutputStream(path.toFile(), true), 8192), true,
					charset());
		}
		catch (IOException | UnsupportedOperationException | SecurityException ex) {
			return null;
		}
	}

	private static Charset charset() {
		String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
		try {
			return (name != null) ? Charset.forName(name) : Charset.defaultCharset();
		}
		catch (IllegalArgumentException ex) {
			return Charset.defaultCharset();
		}
	}

}
