package dev.bootcluster.master;

import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * One listening socket bound by the master and inherited by every worker as its standard input,
 * where Tomcat picks it up with {@code useInheritedChannel} ({@link System#inheritedChannel()}),
 * the way Node, Gunicorn and Puma share one socket. Its accept queue outlives any worker, so a
 * stopping worker loses no queued connection, whatever {@code net.ipv4.tcp_migrate_req} says.
 * <p>
 * Java cannot start a process with an extra file descriptor, so the socket is moved onto the
 * master's descriptor 0 around each worker start (dup, dup2, start, dup2 back, under a lock).
 * That needs JDK-internal {@code sun.nio.ch} to be open to this code:
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}, or {@code Add-Opens: java.base/sun.nio.ch}
 * in the manifest of an executable jar.
 */
public final class SharedSocket implements Closeable {

	private static final Object START_LOCK = new Object();

	private static final @Nullable Natives NATIVES = Natives.load();

	private final ServerSocketChannel channel;

	private final int fd;

	private SharedSocket(ServerSocketChannel channel, int fd) {
		this.channel = channel;
		this.fd = fd;
	}

	/** Why a shared socket cannot be used in this JVM, or null when it can. */
	public static @Nullable String unavailableReason() {
		if (NATIVES == null) {
			return "java.base/sun.nio.ch is not open to the starter (add --add-opens java.base/sun.nio.ch=ALL-UNNAMED "
					+ "to the java command, or 'Add-Opens: java.base/sun.nio.ch' to the jar manifest)";
		}
		if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
			return "a shared socket is only supported on Linux";
		}
		return null;
	}

	/** Binds the socket all workers will accept from. */
	public static SharedSocket bind(@Nullable InetAddress address, int port, int backlog) throws IOException {
		if (NATIVES == null) {
			throw new IllegalStateException(unavailableReason());
		}
		ServerSocketChannel channel = ServerSocketChannel.open();
		try {
			channel.socket().setReuseAddress(true);
			channel.bind(new InetSocketAddress(address, port), backlog);
			return new SharedSocket(channel, NATIVES.fdOf(channel));
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	public int port() {
		return this.channel.socket().getLocalPort();
	}

	/** Starts {@code builder}'s process with this socket as its standard input. */
	public Process start(ProcessBuilder builder) throws IOException {
		Natives natives = NATIVES;
		if (natives == null) {
			throw new IllegalStateException(unavailableReason());
		}
		builder.redirectInput(ProcessBuilder.Redirect.INHERIT);
		synchronized (START_LOCK) {
			int saved = natives.dup(0);
			try {
				natives.dup2(this.fd, 0);
				return builder.start();
			}
			finally {
				natives.dup2(saved, 0);
				natives.close(saved);
			}
		}
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
	}

	/** Reflective access to the descriptor calls the JDK uses for inherited channels. */
	private static final class Natives {

		private final Method fdVal;

		private final Method dup;

		private final Method dup2;

		private final Method close;

		private Natives(Method fdVal, Method dup, Method dup2, Method close) {
			this.fdVal = fdVal;
			this.dup = dup;
			this.dup2 = dup2;
			this.close = close;
		}

		static @Nullable Natives load() {
			try {
				if (!Object.class.getModule().isOpen("sun.nio.ch", SharedSocket.class.getModule())) {
					return null;
				}
				Class<?> selectable = Class.forName("sun.nio.ch.SelChImpl");
				Class<?> inherited = Class.forName("sun.nio.ch.InheritedChannel");
				Method fdVal = selectable.getMethod("getFDVal");
				Method dup = inherited.getDeclaredMethod("dup", int.class);
				Method dup2 = inherited.getDeclaredMethod("dup2", int.class, int.class);
				Method close = inherited.getDeclaredMethod("close0", int.class);
				for (Method method : new Method[] { fdVal, dup, dup2, close }) {
					method.setAccessible(true);
				}
				return new Natives(fdVal, dup, dup2, close);
			}
			catch (ReflectiveOperationException | RuntimeException ex) {
				return null;
			}
		}

		int fdOf(ServerSocketChannel channel) {
			return (int) invoke(this.fdVal, channel);
		}

		int dup(int fd) throws IOException {
			return (int) invokeIo(this.dup, fd);
		}

		void dup2(int fd, int fd2) throws IOException {
			invokeIo(this.dup2, fd, fd2);
		}

		void close(int fd) throws IOException {
			invokeIo(this.close, fd);
		}

		private static Object invoke(Method method, Object target, Object... args) {
			try {
				return method.invoke(target, args);
			}
			catch (IllegalAccessException | InvocationTargetException ex) {
				throw new IllegalStateException("Cannot call " + method.getName() + ": " + ex, ex);
			}
		}

		private static Object invokeIo(Method method, Object... args) throws IOException {
			try {
				return method.invoke(null, args);
			}
			catch (InvocationTargetException ex) {
				if (ex.getCause() instanceof IOException io) {
					throw io;
				}
				throw new IllegalStateException("Cannot call " + method.getName() + ": " + ex.getCause(), ex);
			}
			catch (IllegalAccessException ex) {
				throw new IllegalStateException("Cannot call " + method.getName() + ": " + ex, ex);
			}
		}

	}

}
