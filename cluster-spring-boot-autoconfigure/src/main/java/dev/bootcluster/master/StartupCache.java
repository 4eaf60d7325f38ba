package dev.bootcluster.master;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bootcluster.ipc.SocketDirectory;

/**
 * Makes workers start from a class archive the JDK maps into every worker: the AOT cache
 * on JDK 25 and later ({@code -XX:AOTCache}, JEP 483/514/515), a dynamic AppCDS archive
 * before ({@code -XX:SharedArchiveFile}).
 * <p>
 * For each build (the private copy of the jar a worker runs, or the class path of a
 * class-path launch) it extracts a Spring Boot jar into the layout the JDK can archive
 * ({@code -Djarmode=tools extract}), computes a fingerprint of everything the archive
 * depends on (java.home, the JVM's version, the worker's JVM options, and each class path
 * jar in order with its size, modification time and SHA-256), and looks for an archive of
 * that fingerprint. When there is none, a training run
 * ({@code spring.context.exit=onRefresh}, standalone, no port bound) writes one; before
 * any worker gets it, the JVM is asked to map it strictly ({@code -XX:AOTMode=on} /
 * {@code -Xshare:on}) with the workers' options, and an archive it refuses is deleted and
 * not used. The fingerprint is what keeps a stale archive away: the JDK itself was seen
 * to run classes of a previous build from a cache made before the jar was rebuilt.
 * <p>
 * A standalone run that ends at its context refresh never loads what only a worker does
 * (its IPC, the web server's start, the first requests): the first worker of a build
 * without an archive therefore writes the classes it loads
 * ({@code -XX:DumpLoadedClassList}), and the training run loads them too (without
 * initializing them) before it ends, so that they are archived as well.
 * <p>
 * Archives live in a private (0700) directory, since a class archive is code.
 */
public final class StartupCache {

	private static final Log logger = LogFactory.getLog(StartupCache.class);

	static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

	/** JVM options by which the user already chose an archive (or none) for workers. */
	private static final List<String> USER_ARCHIVE_OPTIONS = List.of("-XX:SharedArchiveFile", "-XX:AOTCache",
			"-XX:AOTMode", "-Xshare:", "-XX:+AutoCreateSharedArchive", "-XX:ArchiveClassesAtExit",
			"-XX:AOTCacheOutput");

	/** System property of a training run: its master's pid. */
	static final String TRAINING_MASTER_PID = "cluster.internal.training-master-pid";

	/** System property of a training run: the class list a worker of its build wrote. */
	static final String TRAINING_CLASSES = "cluster.internal.training-classes";

	/** Name prefix of the marker a master leaves in each extraction its workers run. */
	static final String IN_USE_PREFIX = ".used-by-";

	/** Archives (and extractions) kept per application besides those in use. */
	static final int KEEP = 3;

	/** The two archive formats. */
	public enum Format {

		/** JDK 25+: {@code -XX:AOTCache}, written by {@code -XX:AOTCacheOutput}. */
		AOT_CACHE("aot", "-XX:AOTCacheOutput=", "-XX:AOTCache=", "-XX:AOTMode=on", "AOT cache"),

		/** JDK 17-24: {@code -XX:SharedArchiveFile}, written at exit. */
		CDS_ARCHIVE("jsa", "-XX:ArchiveClassesAtExit=", "-XX:SharedArchiveFile=", "-Xshare:on", "CDS archive");

		final String extension;

		final String writeOption;

		final String useOption;

		final String strictOption;

		final String displayName;

		Format(String extension, String writeOption, String useOption, String strictOption, String displayName) {
			this.extension = extension;
			this.writeOption = writeOption;
			this.useOption = useOption;
			this.strictOption = strictOption;
			this.displayName = displayName;
		}

		/** The format the JDK of that feature version supports. */
		public static Format forJava(int feature) {
			return (feature >= 25) ? AOT_CACHE : CDS_ARCHIVE;
		}

	}

	/**
	 * Runs the JVMs the cache needs (extraction, training, the strict check).
	 */
	@FunctionalInterface
	public interface Jvm {

		/**
		 * Runs {@code command} to its end, its output to {@code log}.
		 * @return the exit status, or -1 when it was killed after {@code timeout}
		 */
		int run(List<String> command, Path log, Duration timeout) throws IOException;

	}

	private final @Nullable String off;

	private final Format format;

	private final Path directory;

	private final Jvm jvm;

	private final Duration trainingTimeout;

	/** Options beside the archive's that make the JVM map it where it was written. */
	private final List<String> mapping;

	private final ExecutorService builder;

	/** Builds by the class path argument of the worker command they replace. */
	private final Map<String, Build> builds = new ConcurrentHashMap<>();

	private StartupCache(@Nullable String off, Format format, Path directory, Jvm jvm, Duration trainingTimeout,
			List<String> mapping) {
		this.off = off;
		this.format = format;
		this.directory = directory;
		this.jvm = jvm;
		this.trainingTimeout = trainingTimeout;
		this.mapping = mapping;
		this.builder = Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, "cluster-startup-cache");
			thread.setDaemon(true);
			thread.setPriority(Thread.MIN_PRIORITY);
			return thread;
		});
	}

	/**
	 * The cache for workers started by {@code command}, or one that is off (with the
	 * reason logged once) when it cannot be used safely.
	 * @param enabled {@code cluster.worker.startup-cache.enabled}
	 * @param directory where archives are kept, per application
	 * @param command the worker command
	 * @param javaFeature the workers' Java feature version
	 * @param fixedAddress {@code cluster.worker.startup-cache.fixed-address}
	 */
	public static StartupCache create(boolean enabled, Path directory, List<String> command, int javaFeature,
			boolean fixedAddress, Jvm jvm, Duration trainingTimeout) {
		Format format = Format.forJava(javaFeature);
		String off = offReason(enabled, command);
		if (off == null) {
			try {
				privateDirectory(directory);
			}
			catch (IOException | RuntimeException ex) {
				off = "its directory " + directory + " is not usable: " + ex.getMessage();
			}
		}
		if (off != null) {
			logger.info("Startup cache off: " + off);
		}
		else {
			logger.info("Startup cache on: workers start from the JDK's " + format.displayName + " kept in " + directory
					+ " (cluster.worker.startup-cache.enabled=false to turn it off)");
		}
		Launch launch = Launch.of(command);
		List<String> mapping = (launch != null) ? mappingOptions(javaFeature, fixedAddress, launch.jvmOptions())
				: List.of();
		return new StartupCache(off, format, directory, jvm, trainingTimeout, mapping);
	}

	/**
	 * The options that make the workers' JVM map the archive at the address it was
	 * written for. Since JDK 20 the JVM maps it at a random address by default
	 * ({@code ArchiveRelocationMode=1}) and relocates every pointer in it, which writes
	 * to nearly all its pages: each worker then has a private copy of the whole archive
	 * instead of sharing its read-only part with the other workers. Mode 0 (JDK 17-19's
	 * default) maps it at its base address and relocates only if that address is taken.
	 * None when the JDK maps it there anyway, when {@code fixedAddress} is off or when
	 * the user's JVM options choose a mode.
	 */
	static List<String> mappingOptions(int javaFeature, boolean fixedAddress, List<String> jvmOptions) {
		if (!fixedAddress || javaFeature < 20
				|| jvmOptions.stream().anyMatch((option) -> option.startsWith("-XX:ArchiveRelocationMode="))) {
			return List.of();
		}
		return List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");
	}

	/** The options a worker gets to map {@code archive}. */
	private List<String> archiveOptions(Path archive) {
		List<String> options = new ArrayList<>(this.mapping);
		options.add(this.format.useOption + archive);
		return options;
	}

	/** Why the cache cannot be used for workers started by {@code command}, or null. */
	static @Nullable String offReason(boolean enabled, List<String> command) {
		if (!enabled) {
			return "cluster.worker.startup-cache.enabled is false";
		}
		Launch launch = Launch.of(command);
		if (launch == null) {
			return "the worker command has neither -jar nor -cp";
		}
		for (String option : launch.jvmOptions()) {
			for (String user : USER_ARCHIVE_OPTIONS) {
				if (option.startsWith(user)) {
					return "the workers' JVM options already choose a class archive (" + option + ")";
				}
			}
		}
		if (!launch.jar()) {
			for (String entry : launch.classPath().split(java.io.File.pathSeparator)) {
				if (entry.isEmpty() || !entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
					return "the class path has " + (entry.isEmpty() ? "an empty entry" : entry)
							+ ", not a jar file: the JDK archives classes from jars only (start the built jar with "
							+ "java -jar to get it)";
				}
			}
		}
		return null;
	}

	/** Whether workers may get an archive at all. */
	public boolean enabled() {
		return this.off == null;
	}

	public Format format() {
		return this.format;
	}

	/**
	 * Prepares the build of {@code command} (a worker command with its private jar copy
	 * or class path): extracts it and takes an archive of its fingerprint if one is there
	 * and the JVM accepts it; with {@code train}, writes one when there is none. Never
	 * completes exceptionally: a build that fails to prepare runs without an archive.
	 */
	public CompletableFuture<Void> prepare(List<String> command, boolean train) {
		if (!enabled()) {
			return CompletableFuture.completedFuture(null);
		}
		Launch launch = Launch.of(command);
		if (launch == null) {
			return CompletableFuture.completedFuture(null);
		}
		try {
			return CompletableFuture.runAsync(() -> {
				Build build = this.builds.compute(launch.classPath(),
						(key, known) -> (known == null || known.changed()) ? new Build(launch) : known);
				build.prepare(train);
			}, this.builder);
		}
		catch (RejectedExecutionException ex) {
			// closed: the master stops
			return CompletableFuture.completedFuture(null);
		}
	}

	/**
	 * The command to start a worker with: {@code command} with its jar replaced by the
	 * extracted layout and the archive option added, as far as its build was prepared. A
	 * build whose files changed since (size or modification time) runs as it is.
	 */
	public List<String> command(List<String> command) {
		return command(command, false);
	}

	/**
	 * The command to start a worker with, as {@link #command(List)}; the first worker of
	 * a build without an archive also writes the classes it loads, for its training run.
	 */
	public List<String> startCommand(List<String> command) {
		return command(command, true);
	}

	private List<String> command(List<String> command, boolean starting) {
		Launch launch = Launch.of(command);
		if (!enabled() || launch == null) {
			return command;
		}
		Build build = this.builds.get(launch.classPath());
		return (build != null) ? build.command(launch, starting) : command;
	}

	/**
	 * Forgets builds other than those of {@code commands} (their files stay for a later
	 * master).
	 */
	public void retainOnly(List<List<String>> commands) {
		Set<String> keep = new java.util.HashSet<>();
		for (List<String> command : commands) {
			Launch launch = Launch.of(command);
			if (launch != null) {
				keep.add(launch.classPath());
			}
		}
		this.builds.keySet().retainAll(keep);
	}

	/** Stops preparing. */
	public void close() {
		this.builder.shutdownNow();
	}

	/** Where the worker command's class path is, and what surrounds it. */
	record Launch(List<String> command, int index, boolean jar) {

		static @Nullable Launch of(List<String> command) {
			int jar = command.indexOf("-jar");
			int cp = command.indexOf("-cp");
			if (jar > 0 && jar + 1 < command.size() && (cp < 0 || jar < cp)) {
				return new Launch(command, jar, true);
			}
			if (cp > 0 && cp + 2 < command.size()) {
				return new Launch(command, cp, false);
			}
			return null;
		}

		String classPath() {
			return this.command.get(this.index + 1);
		}

		List<String> jvmOptions() {
			return this.command.subList(1, this.index);
		}

		/** The same command with another class path (or jar) and extra JVM options. */
		List<String> with(String classPath, List<String> options) {
			List<String> result = new ArrayList<>(this.command.subList(0, this.index));
			result.addAll(options);
			result.addAll(this.command.subList(this.index, this.command.size()));
			result.set(this.index + options.size() + 1, classPath);
			return result;
		}

		/** The JVM options and class path, then {@code tail} instead of the main part. */
		List<String> run(String classPath, List<String> options, boolean asJar, List<String> tail) {
			List<String> result = new ArrayList<>(this.command.subList(0, this.index));
			result.addAll(options);
			result.add(asJar ? "-jar" : "-cp");
			result.add(classPath);
			result.addAll(tail);
			return result;
		}

		/** What follows the jar, or the class path: the main class and arguments. */
		List<String> main() {
			return this.command.subList(this.index + 2, this.command.size());
		}

	}

	/** One build: its layout, fingerprint and archive. */
	private final class Build {

		private final Launch launch;

		/** The class path workers run (the extracted jar, or the class path as given). */
		private volatile @Nullable String runClassPath;

		private volatile @Nullable Fingerprint fingerprint;

		private volatile @Nullable Path archive;

		private volatile @Nullable FileState archiveState;

		/** Why this build runs without an archive, logged once. */
		private volatile @Nullable String refused;

		private volatile boolean warnedChanged;

		/** Whether a worker of this build was asked to write the classes it loads. */
		private final AtomicBoolean listing = new AtomicBoolean();

		Build(Launch launch) {
			this.launch = launch;
		}

		void prepare(boolean train) {
			try {
				if (this.refused != null) {
					return;
				}
				if (this.runClassPath == null) {
					this.runClassPath = layout();
				}
				String classPath = this.runClassPath;
				if (this.fingerprint == null) {
					this.fingerprint = Fingerprint.of(System.getProperty("java.home"),
							System.getProperty("java.vm.version"), this.launch.jvmOptions(), classPathJars(classPath));
				}
				Fingerprint fingerprint = this.fingerprint;
				if (this.archive != null) {
					return;
				}
				Path archive = StartupCache.this.directory.resolve(fingerprint.id() + "." + format().extension);
				if (Files.isRegularFile(archive)) {
					accept(archive, classPath, "found");
					return;
				}
				if (train) {
					train(archive, classPath, fingerprint);
				}
			}
			catch (IOException | RuntimeException ex) {
				refuse("preparing it failed: " + ex.getMessage());
			}
		}

		/** The jar to run: a Spring Boot jar extracted, any other jar as it is. */
		private String layout() throws IOException {
			if (!this.launch.jar()) {
				return this.launch.classPath();
			}
			Path jar = Path.of(this.launch.classPath());
			if (!isBootJar(jar)) {
				return jar.toString();
			}
			String sha = Fingerprint.sha256(jar);
			Path target = StartupCache.this.directory.resolve("extract-" + sha.substring(0, 16));
			if (!Files.isDirectory(target)) {
				Path temporary = Files.createTempDirectory(StartupCache.this.directory, "extracting-");
				Path log = temporary.resolveSibling(temporary.getFileName() + ".log");
				List<String> extract = List.of(this.launch.command().get(0), "-Djarmode=tools", "-jar", jar.toString(),
						"extract", "--destination", temporary.resolve("app").toString());
				int status = StartupCache.this.jvm.run(extract, log, Duration.ofMinutes(2));
				if (status != 0) {
					String lines = tail(log);
					SocketDirectory.deleteRecursively(temporary);
					Files.deleteIfExists(log);
					throw new IOException("extracting " + jar + " (java -Djarmode=tools -jar ... extract) exited "
							+ status + ": " + lines);
				}
				Files.deleteIfExists(log);
				try {
					Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
				}
				catch (IOException ex) {
					// another master extracted the same jar first
					SocketDirectory.deleteRecursively(temporary);
					if (!Files.isDirectory(target)) {
						throw ex;
					}
				}
			}
			touch(target);
			// workers of this master run from here: no other master's pruning may delete
			// it
			Path marker = target.resolve(IN_USE_PREFIX + ProcessHandle.current().pid());
			if (!Files.exists(marker)) {
				Files.createFile(marker);
			}
			try (Stream<Path> files = Files.list(target.resolve("app"))) {
				List<Path> jars = files.filter((file) -> file.toString().endsWith(".jar")).toList();
				if (jars.size() != 1) {
					throw new IOException(
							"the extracted layout in " + target + " has " + jars.size() + " application jars, not one");
				}
				return jars.get(0).toString();
			}
		}

		private void train(Path archive, String classPath, Fingerprint fingerprint) throws IOException {
			Path temporary = archive
				.resolveSibling(archive.getFileName() + ".training-" + ProcessHandle.current().pid());
			Path log = archive.resolveSibling(fingerprint.id() + ".training.log");
			Files.writeString(archive.resolveSibling(fingerprint.id() + ".txt"), fingerprint.describe());
			List<String> options = new ArrayList<>(List.of(format().writeOption + temporary, "-Dcluster.enabled=false",
					"-Dspring.context.exit=onRefresh",
					"-D" + TRAINING_MASTER_PID + "=" + ProcessHandle.current().pid()));
			Path classList = classList(fingerprint);
			if (Files.isRegularFile(classList)) {
				options.add("-D" + TRAINING_CLASSES + "=" + classList);
			}
			List<String> training = this.launch.run(classPath, options, this.launch.jar(), this.launch.main());
			logger.info("Startup cache: a training run writes the " + format().displayName + " of " + describe()
					+ " (its output: " + log + ")");
			long started = System.nanoTime();
			int status = StartupCache.this.jvm.run(training, log, StartupCache.this.trainingTimeout);
			// the worker that wrote it may go on writing: the file goes, its inode stays
			Files.deleteIfExists(classList);
			if (status != 0 || !Files.isRegularFile(temporary)) {
				Files.deleteIfExists(temporary);
				refuse("its training run "
						+ ((status == -1) ? "took longer than " + StartupCache.this.trainingTimeout.toSeconds() + " s"
								: "exited " + status
										+ (Files.isRegularFile(temporary) ? "" : " without writing the archive"))
						+ ": " + tail(log));
				return;
			}
			Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("r--------"));
			Files.move(temporary, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			logger.info("Startup cache: the training run took "
					+ Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
			if (accept(archive, classPath, "written")) {
				prune(StartupCache.this.directory, "." + format().extension, archive);
			}
		}

		/** Checks that the JVM maps the archive strictly; workers get it only then. */
		private boolean accept(Path archive, String classPath, String how) throws IOException {
			Path log = archive.resolveSibling(archive.getFileName() + ".check.log");
			// a broken CDS archive crashes JDK 17 (SIGABRT): its error report goes beside
			// the log, not into the master's working directory
			Path crash = archive.resolveSibling(archive.getFileName() + ".check-crash.log");
			List<String> options = archiveOptions(archive);
			options.addAll(List.of(format().strictOption, "-XX:ErrorFile=" + crash, "-XX:-CreateCoredumpOnCrash"));
			List<String> check = this.launch.run(classPath, options, false, List.of("-version"));
			int status = StartupCache.this.jvm.run(check, log, Duration.ofMinutes(1));
			Files.deleteIfExists(crash);
			if (status != 0) {
				String lines = head(log);
				Files.deleteIfExists(log);
				Files.deleteIfExists(archive);
				refuse("the JVM refused its " + format().displayName + " " + archive + " (exit " + status + "): "
						+ lines);
				return false;
			}
			Files.deleteIfExists(log);
			touch(archive);
			this.archiveState = FileState.of(archive);
			this.archive = archive;
			logger.info("Startup cache ready: workers of " + describe() + " start with "
					+ String.join(" ", archiveOptions(archive)) + " (" + how + ", " + (Files.size(archive) >> 20)
					+ " MB)");
			return true;
		}

		/** Whether the files the fingerprint was taken of changed since. */
		boolean changed() {
			Fingerprint fingerprint = this.fingerprint;
			return fingerprint != null && !fingerprint.unchanged();
		}

		List<String> command(Launch launch, boolean starting) {
			String classPath = this.runClassPath;
			if (classPath == null) {
				return launch.command();
			}
			Fingerprint fingerprint = this.fingerprint;
			Path archive = this.archive;
			if (fingerprint != null && !fingerprint.unchanged()) {
				if (!this.warnedChanged) {
					this.warnedChanged = true;
					logger.warn("Startup cache: the class path of " + describe()
							+ " changed since its fingerprint was taken; workers start without the archive");
				}
				return launch.command();
			}
			FileState state = this.archiveState;
			if (archive == null || state == null) {
				if (starting && fingerprint != null && this.refused == null
						&& this.listing.compareAndSet(false, true)) {
					return launch.with(classPath, List.of("-XX:DumpLoadedClassList=" + classList(fingerprint)));
				}
				return launch.with(classPath, List.of());
			}
			if (!state.equals(FileState.of(archive))) {
				this.archive = null;
				refuse("its archive " + archive + " changed or disappeared since the JVM accepted it");
				return launch.with(classPath, List.of());
			}
			return launch.with(classPath, archiveOptions(archive));
		}

		private Path classList(Fingerprint fingerprint) {
			return StartupCache.this.directory.resolve(fingerprint.id() + ".classes");
		}

		private void refuse(String why) {
			if (this.refused == null) {
				this.refused = why;
				logger.warn("Startup cache not used for " + describe() + ": " + why + "; its workers start without it");
			}
		}

		private String describe() {
			return this.launch.jar() ? Path.of(this.launch.classPath()).getFileName().toString() : "the class path";
		}

	}

	/** The class path jars in order: the jar, then its manifest's {@code Class-Path}. */
	static List<Path> classPathJars(String classPath) throws IOException {
		List<Path> jars = new ArrayList<>();
		for (String entry : classPath.split(java.io.File.pathSeparator)) {
			Path jar = Path.of(entry).toAbsolutePath();
			jars.add(jar);
			try (JarFile file = new JarFile(jar.toFile())) {
				String referenced = (file.getManifest() != null)
						? file.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH) : null;
				if (referenced != null) {
					for (String relative : referenced.trim().split("\\s+")) {
						if (!relative.isEmpty()) {
							jars.add(jar.resolveSibling(relative).normalize());
						}
					}
				}
			}
		}
		return jars;
	}

	static boolean isBootJar(Path jar) throws IOException {
		try (JarFile file = new JarFile(jar.toFile())) {
			return file.getEntry("BOOT-INF/") != null || file.getEntry("BOOT-INF/classes/") != null
					|| (file.getManifest() != null
							&& file.getManifest().getMainAttributes().getValue("Spring-Boot-Classes") != null);
		}
	}

	/**
	 * What an archive depends on. {@link #id()} names it; {@link #unchanged()} checks the
	 * jars' sizes and modification times again, cheaply, before each worker start.
	 */
	record Fingerprint(String id, String describe, List<Path> jars, List<FileState> states) {

		static Fingerprint of(String javaHome, String vmVersion, List<String> jvmOptions, List<Path> jars)
				throws IOException {
			StringBuilder inputs = new StringBuilder();
			inputs.append("java.home=").append(javaHome).append('\n');
			inputs.append("java.vm.version=").append(vmVersion).append('\n');
			for (String option : jvmOptions) {
				inputs.append("jvm-option=").append(option).append('\n');
			}
			List<FileState> states = new ArrayList<>();
			for (Path jar : jars) {
				FileState state = FileState.of(jar);
				states.add(state);
				inputs.append("class-path=")
					.append(jar)
					.append(' ')
					.append(state.size())
					.append(' ')
					.append(state.modified())
					.append(' ')
					.append(sha256(jar))
					.append('\n');
			}
			String text = inputs.toString();
			String id = HexFormat.of()
				.formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)))
				.substring(0, 24);
			return new Fingerprint(id, text, List.copyOf(jars), List.copyOf(states));
		}

		boolean unchanged() {
			for (int i = 0; i < this.jars.size(); i++) {
				if (!this.states.get(i).equals(FileState.of(this.jars.get(i)))) {
					return false;
				}
			}
			return true;
		}

		static String sha256(Path file) throws IOException {
			MessageDigest digest = digest();
			byte[] buffer = new byte[64 * 1024];
			try (InputStream in = Files.newInputStream(file)) {
				int read;
				while ((read = in.read(buffer)) > 0) {
					digest.update(buffer, 0, read);
				}
			}
			return HexFormat.of().formatHex(digest.digest());
		}

		private static MessageDigest digest() {
			try {
				return MessageDigest.getInstance("SHA-256");
			}
			catch (NoSuchAlgorithmException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

	/** A file's size and modification time; a missing file is size -1. */
	record FileState(long size, long modified) {

		static FileState of(Path file) {
			try {
				return new FileState(Files.size(file), Files.getLastModifiedTime(file).toMillis());
			}
			catch (IOException ex) {
				return new FileState(-1, -1);
			}
		}

	}

	/**
	 * Creates {@code directory} (and its parent) owner-only, or checks that an existing
	 * one is owner-only and ours: anyone who can write an archive runs code in workers.
	 */
	static void privateDirectory(Path directory) throws IOException {
		Path parent = directory.toAbsolutePath().getParent();
		for (Path each : (parent != null) ? List.of(parent, directory) : List.of(directory)) {
			if (!Files.isDirectory(each)) {
				Files.createDirectories(each, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
				Files.setPosixFilePermissions(each, OWNER_ONLY);
			}
		}
		Set<PosixFilePermission> mode = Files.getPosixFilePermissions(directory);
		if (!mode.equals(OWNER_ONLY)) {
			throw new IOException("its mode is " + PosixFilePermissions.toString(mode) + ", not rwx------");
		}
		String owner = Files.getOwner(directory).getName();
		String user = System.getProperty("user.name");
		if (user != null && !owner.equals(user)) {
			throw new IOException("it belongs to " + owner + ", not " + user);
		}
	}

	/**
	 * Keeps the {@link #KEEP} most recently used archives (by modification time, renewed
	 * at each use) and extractions of the application directory, and {@code inUse}.
	 */
	static void prune(Path directory, String extension, Path inUse) {
		pruneNewest(directory, (path) -> path.getFileName().toString().endsWith(extension), inUse);
		pruneNewest(directory, (path) -> path.getFileName().toString().startsWith("extract-"), null);
		// class lists of builds that were never trained
		pruneNewest(directory, (path) -> path.getFileName().toString().endsWith(".classes"), null);
	}

	private static void pruneNewest(Path directory, java.util.function.Predicate<Path> kind, @Nullable Path inUse) {
		List<Path> entries = new ArrayList<>();
		try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
			for (Path entry : stream) {
				if (kind.test(entry) && !entry.equals(inUse) && !usedByALiveMaster(entry)) {
					entries.add(entry);
				}
			}
		}
		catch (IOException ex) {
			return;
		}
		entries.sort(Comparator.comparing((Path path) -> {
			try {
				return Files.getLastModifiedTime(path);
			}
			catch (IOException ex) {
				return FileTime.fromMillis(0);
			}
		}).reversed());
		int keep = (inUse != null) ? KEEP - 1 : KEEP;
		for (Path stale : entries.subList(Math.min(keep, entries.size()), entries.size())) {
			try {
				SocketDirectory.deleteRecursively(stale);
				String name = stale.getFileName().toString();
				int dot = name.lastIndexOf('.');
				if (dot > 0) {
					String id = name.substring(0, dot);
					Files.deleteIfExists(directory.resolve(id + ".txt"));
					Files.deleteIfExists(directory.resolve(id + ".training.log"));
					Files.deleteIfExists(directory.resolve(id + ".classes"));
				}
			}
			catch (IOException ex) {
				logger.debug("Could not delete " + stale + ": " + ex.getMessage());
			}
		}
	}

	/**
	 * Whether an extraction holds the in-use marker of a master that is alive (its
	 * workers run from it).
	 */
	static boolean usedByALiveMaster(Path entry) {
		if (!Files.isDirectory(entry)) {
			return false;
		}
		try (DirectoryStream<Path> markers = Files.newDirectoryStream(entry, IN_USE_PREFIX + "*")) {
			for (Path marker : markers) {
				String pid = marker.getFileName().toString().substring(IN_USE_PREFIX.length());
				try {
					if (ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)) {
						return true;
					}
				}
				catch (NumberFormatException ex) {
					// not a marker of ours
				}
			}
		}
		catch (IOException ex) {
			return false;
		}
		return false;
	}

	private static void touch(Path path) {
		try {
			Files.setLastModifiedTime(path, FileTime.fromMillis(System.currentTimeMillis()));
		}
		catch (IOException ex) {
			logger.debug("Could not touch " + path + ": " + ex.getMessage());
		}
	}

	/** The first lines of a log that say something, on one line. */
	static String head(Path log) {
		try {
			List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8)
				.stream()
				.map((line) -> line.replaceFirst("^#\\s*", "").trim())
				.filter((line) -> !line.isEmpty())
				.limit(3)
				.toList();
			return lines.isEmpty() ? "(no output)" : String.join(" | ", lines);
		}
		catch (IOException | UncheckedIOException ex) {
			return "(no output)";
		}
	}

	/** The last lines of a log, on one line. */
	static String tail(Path log) {
		try {
			List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
			List<String> last = lines.subList(Math.max(0, lines.size() - 5), lines.size());
			return last.isEmpty() ? "(no output)" : String.join(" | ", last);
		}
		catch (IOException | UncheckedIOException ex) {
			return "(no output)";
		}
	}

	/**
	 * In a training run (a standalone application given its master's pid): halts it when
	 * the master exits, so that a master killed with {@code kill -9} leaves no training
	 * run behind, and loads the classes a worker of the build loaded. Does nothing in any
	 * other application.
	 */
	public static void prepareTrainingRun() {
		String master = System.getProperty(TRAINING_MASTER_PID);
		if (master == null) {
			return;
		}
		String classList = System.getProperty(TRAINING_CLASSES);
		if (classList != null) {
			loadClassesOf(Path.of(classList));
		}
		try {
			ProcessHandle.of(Long.parseLong(master))
				.ifPresentOrElse((handle) -> handle.onExit().thenRun(() -> Runtime.getRuntime().halt(3)),
						() -> Runtime.getRuntime().halt(3));
		}
		catch (NumberFormatException ex) {
			logger.warn("Ignoring " + TRAINING_MASTER_PID + "=" + master + ": not a pid");
		}
	}

	private static void loadClassesOf(Path classList) {
		List<String> names;
		try {
			names = classNames(Files.readAllLines(classList, StandardCharsets.UTF_8));
		}
		catch (IOException | UncheckedIOException ex) {
			// before the application's logging is set up: to the training run's output
			System.out.println("Training run: cannot read the class list " + classList + ": " + ex.getMessage());
			return;
		}
		ClassLoader loader = ClassLoader.getSystemClassLoader();
		int loaded = 0;
		for (String name : names) {
			try {
				Class.forName(name, false, loader);
				loaded++;
			}
			catch (ClassNotFoundException | LinkageError ex) {
				// generated at run time, or not loadable on its own: not archived
			}
		}
		System.out.println("Training run: loaded " + loaded + " of the " + names.size() + " classes a worker loaded");
	}

	/**
	 * The binary names of the classes in a class list written by
	 * {@code -XX:DumpLoadedClassList}: one per line ({@code java/lang/Object id: 0}),
	 * after comments ({@code #}) and constant-pool or lambda lines ({@code @}).
	 */
	static List<String> classNames(List<String> lines) {
		List<String> names = new ArrayList<>();
		for (String line : lines) {
			if (line.isEmpty() || line.startsWith("#") || line.startsWith("@")) {
				continue;
			}
			int end = line.indexOf(' ');
			String name = ((end < 0) ? line : line.substring(0, end)).replace('/', '.');
			if (!name.isEmpty()) {
				names.add(name);
			}
		}
		return names;
	}

	/** Runs JVMs as child processes of the master, each ended after its timeout. */
	public static Jvm processes(Map<String, String> environment) {
		return (command, log, timeout) -> {
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
			builder.environment().clear();
			builder.environment().putAll(environment);
			Process process = builder.start();
			try {
				if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
					process.descendants().forEach(ProcessHandle::destroyForcibly);
					process.destroyForcibly();
					process.waitFor();
					return -1;
				}
				return process.exitValue();
			}
			catch (InterruptedException ex) {
				process.descendants().forEach(ProcessHandle::destroyForcibly);
				process.destroyForcibly();
				Thread.currentThread().interrupt();
				throw new IOException("interrupted", ex);
			}
		};
	}

}
