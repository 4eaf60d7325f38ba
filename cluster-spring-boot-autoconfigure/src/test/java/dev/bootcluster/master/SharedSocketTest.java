package dev.bootcluster.master;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link SharedSocket} on the JDK that runs the tests, with no JVM flag (the
 * surefire configuration adds no {@code --add-opens}): real child JVMs accept from the
 * shared socket.
 */
@EnabledOnOs(OS.LINUX)
class SharedSocketTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final Path STDIN = Path.of("/proc/self/fd/0");

	private final List<Long> pids = new ArrayList<>();

	@TempDir
	Path dir;

	@AfterEach
	void destroyProcesses() {
		for (long pid : this.pids) {
			ProcessHandle.of(pid).ifPresent((process) -> {
				process.descendants().forEach(ProcessHandle::destroyForcibly);
				process.destroyForcibly();
			});
		}
	}

	@Test
	void isAvailableWithoutAnyJvmFlag() {
		assertThat(sunNioChOpen()).as("sun.nio.ch open to the tests: does surefire add --add-opens?").isFalse();
		assertThat(SharedSocket.unavailableReason()).isNull();
		assertThat(SharedSocket.mechanism()).isNotNull().doesNotContain("--add-opens");
		// the natives are reached without opening the package to the application
		assertThat(sunNioChOpen()).isFalse();
	}

	@Test
	void workerAcceptsFromTheSharedSocket() throws Exception {
		try (SharedSocket socket = SharedSocket.bind(InetAddress.getLoopbackAddress(), 0, 50)) {
			Process worker = started(socket.start(
					java(Worker.class, classPath(Worker.class)).redirectOutput(this.dir.resolve("worker.out").toFile())
						.redirectError(this.dir.resolve("worker.err").toFile())));
			assertThat(answer(socket.port())).isEqualTo("accepted by " + worker.pid());
			await().atMost(TIMEOUT).until(() -> !worker.isAlive());
			assertThat(worker.exitValue()).isZero();
			assertThat(Files.readString(this.dir.resolve("worker.out")))
				.startsWith("inherited sun.nio.ch.InheritedChannel$InheritedServerSocketChannelImpl");
			assertThat(Files.readString(this.dir.resolve("worker.err"))).isEmpty();
		}
	}

	@Test
	void standardInputIsTheSameAfterStart() throws Exception {
		Path before = Files.readSymbolicLink(STDIN);
		try (SharedSocket socket = SharedSocket.bind(InetAddress.getLoopbackAddress(), 0, 50)) {
			Process worker = started(socket
				.start(java(Worker.class, classPath(Worker.class)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
					.redirectError(ProcessBuilder.Redirect.DISCARD)));
			assertThat(Files.readSymbolicLink(STDIN)).isEqualTo(before);
			assertThat(answer(socket.port())).isEqualTo("accepted by " + worker.pid());
		}
		assertThat(Files.readSymbolicLink(STDIN)).isEqualTo(before);
	}

	/**
	 * The JDK prints its warnings (restricted method, sun.misc.Unsafe) on the stderr of
	 * the JVM.
	 */
	@Test
	void masterJvmPrintsNoWarning() throws Exception {
		File out = this.dir.resolve("master.out").toFile();
		File err = this.dir.resolve("master.err").toFile();
		String classPath = String.join(File.pathSeparator, classPath(SharedSocket.class), classPath(LogFactory.class),
				classPath(Master.class));
		Process master = started(java(Master.class, classPath).redirectOutput(out).redirectError(err).start());
		await().atMost(TIMEOUT).until(() -> !master.isAlive());
		List<String> lines = Files.readAllLines(out.toPath());
		assertThat(lines).anyMatch((line) -> line.startsWith("available "));
		assertThat(lines).contains("standard input restored true").anyMatch((line) -> line.startsWith("accepted by "));
		assertThat(master.exitValue()).isZero();
		assertThat(Files.readString(err.toPath())).doesNotContainIgnoringCase("warning");
	}

	@Test
	void listeningDescriptorIsFoundInProc() throws IOException {
		ServerSocketChannel loopback = bound(InetAddress.getLoopbackAddress());
		try (ServerSocketChannel wildcard = bound(null)) {
			int loopbackFd = SharedSocket.listeningDescriptor(loopback.socket().getLocalPort());
			int wildcardFd = SharedSocket.listeningDescriptor(wildcard.socket().getLocalPort());
			assertThat(loopbackFd).isNotEqualTo(wildcardFd);
			String target = link(loopbackFd);
			assertThat(target).startsWith("socket:[");
			loopback.close();
			assertThat(link(loopbackFd)).isNotEqualTo(target);
			assertThat(link(wildcardFd)).startsWith("socket:[");
		}
		finally {
			loopback.close();
		}
	}

	private Process started(Process process) {
		this.pids.add(process.pid());
		return process;
	}

	private static boolean sunNioChOpen() {
		return Object.class.getModule().isOpen("sun.nio.ch", SharedSocket.class.getModule());
	}

	private static ServerSocketChannel bound(@Nullable InetAddress address) throws IOException {
		ServerSocketChannel channel = ServerSocketChannel.open();
		channel.bind(new InetSocketAddress(address, 0));
		return channel;
	}

	private static String link(int fd) throws IOException {
		Path path = Path.of("/proc/self/fd/" + fd);
		return Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? Files.readSymbolicLink(path).toString() : "closed";
	}

	private static ProcessBuilder java(Class<?> main, String classPath) {
		return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
				main.getName());
	}

	private static String classPath(Class<?> type) throws URISyntaxException {
		return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
	}

	/** Connects to the shared socket and reads the one line a worker answers. */
	static @Nullable String answer(int port) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) TIMEOUT.toMillis());
			socket.setSoTimeout((int) TIMEOUT.toMillis());
			return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
				.readLine();
		}
	}

	/**
	 * A worker: accepts one connection from its inherited channel and answers its PID.
	 */
	static final class Worker {

		public static void main(String[] args) throws IOException {
			Channel inherited = System.inheritedChannel();
			System.out.println("inherited " + inherited);
			try (SocketChannel connection = ((ServerSocketChannel) inherited).accept()) {
				connection.write(StandardCharsets.UTF_8.encode("accepted by " + ProcessHandle.current().pid() + "\n"));
			}
		}

	}

	/**
	 * A master in a JVM of its own, started with no flag, whose stderr the test reads.
	 */
	static final class Master {

		public static void main(String[] args) throws Exception {
			String unavailable = SharedSocket.unavailableReason();
			System.out.println(
					(unavailable != null) ? "unavailable " + unavailable : "available " + SharedSocket.mechanism());
			Path before = Files.readSymbolicLink(STDIN);
			try (SharedSocket socket = SharedSocket.bind(InetAddress.getLoopbackAddress(), 0, 50)) {
				Process worker = socket
					.start(java(Worker.class, classPath(Worker.class)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
						.redirectError(ProcessBuilder.Redirect.INHERIT));
				try {
					System.out.println("standard input restored " + before.equals(Files.readSymbolicLink(STDIN)));
					System.out.println(answer(socket.port()));
				}
				finally {
					worker.destroyForcibly();
				}
			}
		}

	}

}
