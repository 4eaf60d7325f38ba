package dev.bootcluster.master;

import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * One listening socket bound by the master and inherited by every worker as its standard
 * input, where Tomcat picks it up with {@code useInheritedChannel}
 * ({@link System#inheritedChannel()}), the way Node, Gunicorn and Puma share one socket.
 * Its accept queue outlives any worker, so a stopping worker loses no queued connection,
 * whatever {@code net.ipv4.tcp_migrate_req} says.
 * <p>
 * Java cannot start a process with an extra file descriptor, so the socket is moved onto
 * the master's descriptor 0 around each worker start (dup, dup2, start, dup2 back, under
 * a lock). The descriptor calls are made by the first of these that works in this JVM,
 * with no JVM warning:
 * <ol>
 * <li>the JDK's own natives of {@code sun.nio.ch.InheritedChannel}, when
 * {@code java.base/sun.nio.ch} is open to this code
 * ({@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}, or
 * {@code Add-Opens: java.base/sun.nio.ch} in the manifest of an executable jar);</li>
 * <li>on JDK 22 and later, libc through the FFM API, when native access is already
 * enabled for this code ({@code --enable-native-access=ALL-UNNAMED}, or
 * {@code Enable-Native-Access: ALL-UNNAMED});</li>
 * <li>the same JDK natives reached without any flag, through a trusted method handle
 * lookup that {@code sun.reflect.ReflectionFactory} (module {@code jdk.unsupported}) can
 * create.</li>
 * </ol>
 * {@link #mechanism()} says which one is used.
 */
public final class SharedSocket implements Closeable {

	private static final Log logger = LogFactory.getLog(SharedSocket.class);

	private static final Object START_LOCK = new Object();

	private static final String TCP_LISTEN = "0A";

	private static final @Nullable Natives NATIVES;

	private static final @Nullable String UNAVAILABLE;

	static {
		List<String> failures = new ArrayList<>();
		Natives natives = isLinux() ? Natives.load(failures) : null;
		NATIVES = natives;
		if (natives != null) {
			UNAVAILABLE = null;
			logger.debug("Shared socket descriptor calls: " + natives.mechanism);
		}
		else {
			UNAVAILABLE = isLinux() ? unreachableReason(failures) : "a shared socket is only supported on Linux";
			logger.debug("Shared socket unavailable: " + UNAVAILABLE);
		}
	}

	private final ServerSocketChannel channel;

	private final int fd;

	private SharedSocket(ServerSocketChannel channel, int fd) {
		this.channel = channel;
		this.fd = fd;
	}

	/** Why a shared socket cannot be used in this JVM, or null when it can. */
	public static @Nullable String unavailableReason() {
		return UNAVAILABLE;
	}

	/**
	 * How the descriptor calls are made in this JVM, for the master's log, such as
	 * {@code "FFM (JDK 25)"}, or null when a shared socket is unavailable.
	 */
	public static @Nullable String mechanism() {
		Natives natives = NATIVES;
		return (natives != null) ? natives.mechanism : null;
	}

	/** Binds the socket all workers will accept from. */
	public static SharedSocket bind(@Nullable InetAddress address, int port, int backlog) throws IOException {
		Natives natives = NATIVES;
		if (natives == null) {
			throw new IllegalStateException(UNAVAILABLE);
		}
		ServerSocketChannel channel = ServerSocketChannel.open();
		try {
			channel.socket().setReuseAddress(true);
			channel.bind(new InetSocketAddress(address, port), backlog);
			return new SharedSocket(channel, natives.fdOf(channel));
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
			throw new IllegalStateException(UNAVAILABLE);
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

	private static boolean isLinux() {
		return System.getProperty("os.name", "").toLowerCase().contains("linux");
	}

	private static String unreachableReason(List<String> failures) {
		return "the starter cannot make descriptor calls in this JVM (" + String.join("; ", failures)
				+ "); add --add-opens java.base/sun.nio.ch=ALL-UNNAMED to the java command, or "
				+ "'Add-Opens: java.base/sun.nio.ch' to the jar manifest"
				+ ((Runtime.version().feature() >= 22) ? ", or --enable-native-access=ALL-UNNAMED" : "");
	}

	/**
	 * The descriptor of this process's socket listening on {@code port}, found without
	 * {@code SelChImpl.getFDVal}: the one in /proc/self/fd that links to the inode of the
	 * port's LISTEN entry in /proc/net/tcp or /proc/net/tcp6.
	 */
	static int listeningDescriptor(int port) throws IOException {
		Set<String> inodes = new HashSet<>();
		listeningInodes(Path.of("/proc/net/tcp"), port, inodes);
		listeningInodes(Path.of("/proc/net/tcp6"), port, inodes);
		List<Integer> found = new ArrayList<>();
		try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
			for (Path fd : fds) {
				String target;
				try {
					target = Files.readSymbolicLink(fd).toString();
				}
				catch (IOException ex) {
					continue; // closed by another thread since the listing
				}
				if (target.startsWith("socket:[") && target.endsWith("]")
						&& inodes.contains(target.substring(8, target.length() - 1))) {
					found.add(Integer.valueOf(fd.getFileName().toString()));
				}
			}
		}
		if (found.size() != 1) {
			throw new IOException("Cannot tell the descriptor of the socket listening on port " + port
					+ ": /proc/self/fd has " + found.size() + " such sockets " + found);
		}
		return found.get(0);
	}

	private static void listeningInodes(Path table, int port, Set<String> inodes) throws IOException {
		List<String> lines;
		try {
			lines = Files.readAllLines(table);
		}
		catch (NoSuchFileException ex) {
			return; // no IPv6 in this kernel
		}
		// "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...",
		// hex addresses
		for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
			String[] fields = line.trim().split("\\s+");
			if (fields.length > 9 && fields[3].equals(TCP_LISTEN)) {
				String local = fields[1];
				if (Integer.parseInt(local.substring(local.indexOf(':') + 1), 16) == port) {
					inodes.add(fields[9]);
				}
			}
		}
	}

	private static IllegalStateException failed(String call, Throwable ex) {
		return new IllegalStateException("Cannot call " + call + ": " + ex, ex);
	}

	/** The descriptor calls, made one of the ways listed on {@link SharedSocket}. */
	private abstract static class Natives {

		final String mechanism;

		Natives(String mechanism) {
			this.mechanism = mechanism;
		}

		/**
		 * The first way that works, each one that does not adding why to
		 * {@code failures}.
		 */
		static @Nullable Natives load(List<String> failures) {
			Module module = SharedSocket.class.getModule();
			if (Object.class.getModule().isOpen("sun.nio.ch", module)) {
				try {
					return JdkNatives.opened();
				}
				catch (ReflectiveOperationException | RuntimeException ex) {
					failures.add("sun.nio.ch is open but its natives are not usable: " + ex);
				}
			}
			else {
				failures.add("java.base/sun.nio.ch is not open to the starter");
			}
			if (Runtime.version().feature() >= 22) {
				try {
					if (ForeignNatives.nativeAccessEnabled(module)) {
						return ForeignNatives.load();
					}
					failures.add("native access is not enabled for the starter");
				}
				catch (ReflectiveOperationException | RuntimeException ex) {
					failures.add("the FFM API is not usable: " + ex);
				}
			}
			try {
				return JdkNatives.trusted();
			}
			catch (ReflectiveOperationException | RuntimeException ex) {
				failures.add("sun.reflect.ReflectionFactory gives no trusted lookup: " + ex);
			}
			return null;
		}

		abstract int fdOf(ServerSocketChannel channel) throws IOException;

		abstract int dup(int fd) throws IOException;

		abstract void dup2(int fd, int fd2) throws IOException;

		abstract void close(int fd) throws IOException;

	}

	/** The natives the JDK itself uses for {@link System#inheritedChannel()}. */
	private static final class JdkNatives extends Natives {

		private static final String INHERITED = "sun.nio.ch.InheritedChannel";

		private static final String SELECTABLE = "sun.nio.ch.SelChImpl";

		/**
		 * {@code MethodHandles.Lookup.TRUSTED}, the allowed modes of {@code IMPL_LOOKUP}.
		 */
		private static final int TRUSTED = -1;

		private final MethodHandle fdVal;

		private final MethodHandle dup;

		private final MethodHandle dup2;

		private final MethodHandle close;

		private JdkNatives(String mechanism, MethodHandle fdVal, MethodHandle dup, MethodHandle dup2,
				MethodHandle close) {
			super(mechanism);
			this.fdVal = fdVal.asType(MethodType.methodType(int.class, ServerSocketChannel.class));
			this.dup = dup;
			this.dup2 = dup2;
			this.close = close;
		}

		/** Plain reflection, allowed because the package is open to this code. */
		static JdkNatives opened() throws ReflectiveOperationException {
			Class<?> inherited = Class.forName(INHERITED);
			Method fdVal = Class.forName(SELECTABLE).getMethod("getFDVal");
			Method dup = inherited.getDeclaredMethod("dup", int.class);
			Method dup2 = inherited.getDeclaredMethod("dup2", int.class, int.class);
			Method close = inherited.getDeclaredMethod("close0", int.class);
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			for (Method method : new Method[] { fdVal, dup, dup2, close }) {
				method.setAccessible(true);
			}
			return new JdkNatives("sun.nio.ch opened by --add-opens", lookup.unreflect(fdVal), lookup.unreflect(dup),
					lookup.unreflect(dup2), lookup.unreflect(close));
		}

		/**
		 * A trusted lookup finds the natives without opening the package.
		 * ReflectionFactory makes a constructor accessible when it is one of the class to
		 * instantiate (checked on JDK 17 and 25), so it builds a lookup like
		 * {@code IMPL_LOOKUP} with no warning, where {@code sun.misc.Unsafe} warns from
		 * JDK 24 on. The lookup stays local to this method.
		 */
		static JdkNatives trusted() throws ReflectiveOperationException {
			Class<?> factoryType = Class.forName("sun.reflect.ReflectionFactory");
			Object factory = factoryType.getMethod("getReflectionFactory").invoke(null);
			Constructor<?> lookupConstructor = MethodHandles.Lookup.class.getDeclaredConstructor(Class.class,
					Class.class, int.class);
			Constructor<?> accessible = (Constructor<?>) factoryType
				.getMethod("newConstructorForSerialization", Class.class, Constructor.class)
				.invoke(factory, MethodHandles.Lookup.class, lookupConstructor);
			MethodHandles.Lookup lookup = (MethodHandles.Lookup) accessible.newInstance(Object.class, null, TRUSTED);
			Class<?> inherited = Class.forName(INHERITED);
			return new JdkNatives("sun.nio.ch reached at run time",
					lookup.findVirtual(Class.forName(SELECTABLE), "getFDVal", MethodType.methodType(int.class)),
					lookup.findStatic(inherited, "dup", MethodType.methodType(int.class, int.class)),
					lookup.findStatic(inherited, "dup2", MethodType.methodType(void.class, int.class, int.class)),
					lookup.findStatic(inherited, "close0", MethodType.methodType(void.class, int.class)));
		}

		@Override
		int fdOf(ServerSocketChannel channel) {
			try {
				return (int) this.fdVal.invokeExact(channel);
			}
			catch (RuntimeException | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw failed("getFDVal", ex);
			}
		}

		@Override
		int dup(int fd) throws IOException {
			try {
				return (int) this.dup.invokeExact(fd);
			}
			catch (IOException | RuntimeException | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw failed("dup", ex);
			}
		}

		@Override
		void dup2(int fd, int fd2) throws IOException {
			try {
				this.dup2.invokeExact(fd, fd2);
			}
			catch (IOException | RuntimeException | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw failed("dup2", ex);
			}
		}

		@Override
		void close(int fd) throws IOException {
			try {
				this.close.invokeExact(fd);
			}
			catch (IOException | RuntimeException | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw failed("close", ex);
			}
		}

	}

	/**
	 * libc's {@code dup}, {@code dup2} and {@code close} through
	 * {@code java.lang.foreign} (JDK 22+), used only when native access is already
	 * enabled, since a restricted call would warn otherwise. The project compiles for
	 * Java 17, so the API is reached reflectively.
	 */
	private static final class ForeignNatives extends Natives {

		private final MethodHandle dup;

		private final MethodHandle dup2;

		private final MethodHandle close;

		private final Method getInt;

		private final Object intLayout;

		private final Object callState;

		private final long errnoOffset;

		private ForeignNatives(MethodHandle dup, MethodHandle dup2, MethodHandle close, Method getInt, Object intLayout,
				Object callState, long errnoOffset) {
			super("FFM (JDK " + Runtime.version().feature() + ")");
			this.dup = dup;
			this.dup2 = dup2;
			this.close = close;
			this.getInt = getInt;
			this.intLayout = intLayout;
			this.callState = callState;
			this.errnoOffset = errnoOffset;
		}

		static boolean nativeAccessEnabled(Module module) throws ReflectiveOperationException {
			return (boolean) Module.class.getMethod("isNativeAccessEnabled").invoke(module);
		}

		static ForeignNatives load() throws ReflectiveOperationException {
			Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
			Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
			Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
			Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
			Class<?> pathType = Class.forName("java.lang.foreign.MemoryLayout$PathElement");
			Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
			Class<?> symbolsType = Class.forName("java.lang.foreign.SymbolLookup");
			Class<?> intLayoutType = Class.forName("java.lang.foreign.ValueLayout$OfInt");
			Class<?> arenaType = Class.forName("java.lang.foreign.Arena");
			Object linker = linkerType.getMethod("nativeLinker").invoke(null);
			Object symbols = linkerType.getMethod("defaultLookup").invoke(linker);
			Object intLayout = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_INT").get(null);
			// errno is captured right after the call: the JVM may change it before Java
			// code can read it
			Object errno = optionType.getMethod("captureCallState", String[].class)
				.invoke(null, (Object) new String[] { "errno" });
			Object stateLayout = optionType.getMethod("captureStateLayout").invoke(null);
			Object path = Array.newInstance(pathType, 1);
			Array.set(path, 0, pathType.getMethod("groupElement", String.class).invoke(null, "errno"));
			long errnoOffset = (long) layoutType.getMethod("byteOffset", path.getClass()).invoke(stateLayout, path);
			Object arena = arenaType.getMethod("ofAuto").invoke(null);
			Object callState = arenaType.getMethod("allocate", layoutType).invoke(arena, stateLayout);
			Method find = symbolsType.getMethod("find", String.class);
			Method descriptorOf = descriptorType.getMethod("of", layoutType, layoutType.arrayType());
			Method downcall = linkerType.getMethod("downcallHandle", segmentType, descriptorType,
					optionType.arrayType());
			Object options = Array.newInstance(optionType, 1);
			Array.set(options, 0, errno);
			MethodHandle[] handles = new MethodHandle[3];
			String[] names = { "dup", "dup2", "close" };
			for (int i = 0; i < names.length; i++) {
				String name = names[i];
				Object address = ((Optional<?>) find.invoke(symbols, name))
					.orElseThrow(() -> new IllegalStateException("libc has no " + name));
				Object arguments = Array.newInstance(layoutType, name.equals("dup2") ? 2 : 1);
				for (int a = 0; a < Array.getLength(arguments); a++) {
					Array.set(arguments, a, intLayout);
				}
				Object descriptor = descriptorOf.invoke(null, intLayout, arguments);
				MethodHandle handle = (MethodHandle) downcall.invoke(linker, address, descriptor, options);
				handles[i] = MethodHandles.insertArguments(handle, 0, callState);
			}
			return new ForeignNatives(handles[0], handles[1], handles[2],
					segmentType.getMethod("get", intLayoutType, long.class), intLayout, callState, errnoOffset);
		}

		@Override
		int fdOf(ServerSocketChannel channel) throws IOException {
			return listeningDescriptor(channel.socket().getLocalPort());
		}

		@Override
		int dup(int fd) throws IOException {
			return call(this.dup, "dup(" + fd + ")", fd);
		}

		@Override
		void dup2(int fd, int fd2) throws IOException {
			call(this.dup2, "dup2(" + fd + ", " + fd2 + ")", fd, fd2);
		}

		@Override
		void close(int fd) throws IOException {
			call(this.close, "close(" + fd + ")", fd);
		}

		/** Synchronized because the calls share one errno capture segment. */
		private synchronized int call(MethodHandle handle, String call, int... args) throws IOException {
			int result;
			try {
				result = (args.length == 1) ? (int) handle.invokeExact(args[0])
						: (int) handle.invokeExact(args[0], args[1]);
			}
			catch (RuntimeException | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw failed(call, ex);
			}
			if (result == -1) {
				throw new IOException(call + " failed with errno " + errno());
			}
			return result;
		}

		private int errno() {
			try {
				return (int) this.getInt.invoke(this.callState, this.intLayout, this.errnoOffset);
			}
			catch (ReflectiveOperationException ex) {
				throw failed("MemorySegment.get", ex);
			}
		}

	}

}
