package dev.bootcluster.master;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.bootcluster.master.StartupCache.Fingerprint;
import dev.bootcluster.master.StartupCache.Format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

class StartupCacheTest {

	@TempDir
	Path temp;

	private final FakeJvm jvm = new FakeJvm();

	private final List<StartupCache> caches = new ArrayList<>();

	@AfterEach
	void close() {
		this.caches.forEach(StartupCache::close);
	}

	@Test
	void formatFollowsTheJavaVersion() {
		assertThat(Format.forJava(17)).isEqualTo(Format.CDS_ARCHIVE);
		assertThat(Format.forJava(24)).isEqualTo(Format.CDS_ARCHIVE);
		assertThat(Format.forJava(25)).isEqualTo(Format.AOT_CACHE);
	}

	@Test
	void offWhenDisabledWhenTheUserChoseAnArchiveOrWhenTheClassPathHasADirectory() throws IOException {
		Path jar = bootJar(this.temp.resolve("app.jar"), "v1");
		assertThat(StartupCache.offReason(false, jarCommand(jar))).contains("enabled is false");
		assertThat(
				StartupCache.offReason(true, List.of("java", "-XX:SharedArchiveFile=my.jsa", "-jar", jar.toString())))
			.contains("already choose a class archive (-XX:SharedArchiveFile=my.jsa)");
		assertThat(StartupCache.offReason(true, List.of("java", "-Xshare:off", "-jar", jar.toString())))
			.contains("-Xshare:off");
		Path classes = Files.createDirectories(this.temp.resolve("target/classes"));
		assertThat(StartupCache.offReason(true,
				List.of("java", "-cp", classes + java.io.File.pathSeparator + jar, "demo.Main")))
			.contains("the class path has " + classes + ", not a jar file")
			.contains("java -jar");
		assertThat(StartupCache.offReason(true, List.of("java", "-cp", jar.toString(), "demo.Main"))).isNull();
		assertThat(StartupCache.offReason(true, jarCommand(jar))).isNull();
		StartupCache off = cache(false, jarCommand(jar));
		assertThat(off.enabled()).isFalse();
		off.prepare(jarCommand(jar), true).join();
		assertThat(off.command(jarCommand(jar))).isEqualTo(jarCommand(jar));
		assertThat(this.jvm.commands).isEmpty();
	}

	@Test
	void aBootJarIsExtractedTrainedOnceCheckedAndThenStartedFromTheArchive() throws IOException {
		Path jar = bootJar(this.temp.resolve("good-1.jar"), "v1");
		List<String> command = jarCommand(jar);
		StartupCache cache = cache(true, command);

		cache.prepare(command, false).join();
		// the first worker started writes the classes it loads, for the training run
		// (a command shown in the log is not started: it does not count)
		assertThat(cache.command(command)).noneMatch((arg) -> arg.startsWith("-XX:DumpLoadedClassList"));
		List<String> listing = cache.startCommand(command);
		assertThat(this.jvm.kinds()).containsExactly("extract");
		assertThat(listing).hasSize(command.size() + 1).startsWith("java", "-Xmx256m");
		assertThat(listing.get(2)).startsWith("-XX:DumpLoadedClassList=").endsWith(".classes");
		Path classList = Path.of(listing.get(2).substring("-XX:DumpLoadedClassList=".length()));
		assertThat(classList.getParent()).isEqualTo(this.temp.resolve("cache"));
		List<String> extracted = cache.startCommand(command);
		assertThat(extracted).containsExactly("java", "-Xmx256m", "-jar", extractedJar(extracted),
				"--server.port=8080");
		assertThat(extractedJar(extracted)).contains("extract-").endsWith("good-1.jar");
		assertThat(extractedJar(listing)).isEqualTo(extractedJar(extracted));
		Files.writeString(classList, "java/lang/Object id: 0\n");

		cache.prepare(command, true).join();
		assertThat(this.jvm.kinds()).containsExactly("extract", "train", "check");
		List<String> training = this.jvm.commands.get(1);
		assertThat(training).startsWith("java", "-Xmx256m")
			.contains("-Dcluster.enabled=false", "-Dspring.context.exit=onRefresh", "-jar", extractedJar(extracted),
					"-Dcluster.internal.training-classes=" + classList)
			.endsWith("--server.port=8080");
		// read by the training run, then gone
		assertThat(classList).doesNotExist();
		assertThat(training.get(2)).startsWith("-XX:AOTCacheOutput=");
		List<String> check = this.jvm.commands.get(2);
		assertThat(check).contains("-XX:AOTMode=on", "-cp", extractedJar(extracted)).endsWith("-version");

		List<String> cached = cache.command(command);
		Path archive = Path.of(cached.get(2).substring("-XX:AOTCache=".length()));
		assertThat(cached).containsExactly("java", "-Xmx256m", "-XX:AOTCache=" + archive, "-jar",
				extractedJar(extracted), "--server.port=8080");
		assertThat(archive).isRegularFile();
		assertThat(archive.resolveSibling(archive.getFileName().toString().replace(".aot", ".txt"))).content()
			.contains("java.home=", "jvm-option=-Xmx256m", "class-path=" + extractedJar(extracted));

		// a later master with the same build only checks the archive it finds
		this.jvm.commands.clear();
		StartupCache later = cache(true, command);
		later.prepare(command, false).join();
		assertThat(this.jvm.kinds()).containsExactly("check");
		assertThat(later.command(command)).isEqualTo(cached);
	}

	@Test
	void withAFixedAddressWorkersAndTheCheckMapTheArchiveWhereItWasWritten() throws IOException {
		List<String> command = jarCommand(bootJar(this.temp.resolve("app.jar"), "v1"));
		StartupCache cache = cache(true, command, true);
		cache.prepare(command, true).join();
		List<String> cached = cache.command(command);
		assertThat(cached.subList(0, 4)).containsExactly("java", "-Xmx256m", "-XX:+UnlockDiagnosticVMOptions",
				"-XX:ArchiveRelocationMode=0");
		assertThat(cached.get(4)).startsWith("-XX:AOTCache=");
		List<String> check = this.jvm.commands.get(2);
		assertThat(check).containsSubsequence("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0",
				cached.get(4), "-XX:AOTMode=on");
		// the training run writes the archive as usual
		assertThat(this.jvm.commands.get(1)).doesNotContain("-XX:ArchiveRelocationMode=0");
	}

	@Test
	void theClassNamesOfAClassListAreItsClassLinesInBinaryForm() {
		List<String> lines = List.of("# NOTE: Do not modify this file.", "#", "java/lang/Object id: 0",
				"org/demo/Outer$Inner id: 12", "@cp java/lang/Shutdown 7 55 61",
				"@lambda-proxy java/lang/invoke/LambdaForm$MH 1", "", "bare/Name");
		assertThat(StartupCache.classNames(lines)).containsExactly("java.lang.Object", "org.demo.Outer$Inner",
				"bare.Name");
	}

	@Test
	void theFixedAddressOptionsOnlyWhereTheJdkRelocatesAndTheUserChoseNoMode() {
		assertThat(StartupCache.mappingOptions(25, true, List.of("-Xmx1g")))
			.containsExactly("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");
		assertThat(StartupCache.mappingOptions(20, true, List.of())).hasSize(2);
		// JDK 17-19 map at the base address by default
		assertThat(StartupCache.mappingOptions(17, true, List.of())).isEmpty();
		assertThat(StartupCache.mappingOptions(19, true, List.of())).isEmpty();
		assertThat(StartupCache.mappingOptions(25, false, List.of())).isEmpty();
		assertThat(StartupCache.mappingOptions(25, true,
				List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=1")))
			.isEmpty();
	}

	@Test
	void aRebuiltJarGetsAnArchiveOfItsOwnNeverTheStaleOne() throws IOException {
		Path jar = bootJar(this.temp.resolve("app.jar"), "v1");
		StartupCache cache = cache(true, jarCommand(jar));
		cache.prepare(jarCommand(jar), true).join();
		List<String> first = cache.command(jarCommand(jar));

		Path rebuilt = bootJar(this.temp.resolve("candidate-2.jar"), "v2");
		cache.prepare(jarCommand(rebuilt), false).join();
		List<String> untrained = cache.command(jarCommand(rebuilt));
		assertThat(untrained).noneMatch((arg) -> arg.startsWith("-XX:AOTCache="));
		assertThat(extractedJar(untrained)).isNotEqualTo(extractedJar(first));
		cache.prepare(jarCommand(rebuilt), true).join();
		List<String> second = cache.command(jarCommand(rebuilt));
		assertThat(second.get(2)).startsWith("-XX:AOTCache=").isNotEqualTo(first.get(2));
		assertThat(this.jvm.kinds()).containsExactly("extract", "train", "check", "extract", "train", "check");
	}

	@Test
	void theFingerprintCoversContentSizeAndTimeOfEveryJarInOrderAndTheJvm() throws IOException {
		Path a = Files.writeString(this.temp.resolve("a.jar"), "aaaa");
		Path b = Files.writeString(this.temp.resolve("b.jar"), "bbbb");
		Fingerprint base = Fingerprint.of("/jdk", "25+9", List.of("-Xmx1g"), List.of(a, b));
		assertThat(Fingerprint.of("/jdk", "25+9", List.of("-Xmx1g"), List.of(a, b)).id()).isEqualTo(base.id());
		assertThat(Fingerprint.of("/jdk", "25+9", List.of("-Xmx1g"), List.of(b, a)).id()).isNotEqualTo(base.id());
		assertThat(Fingerprint.of("/other", "25+9", List.of("-Xmx1g"), List.of(a, b)).id()).isNotEqualTo(base.id());
		assertThat(Fingerprint.of("/jdk", "25.0.1+9", List.of("-Xmx1g"), List.of(a, b)).id()).isNotEqualTo(base.id());
		assertThat(Fingerprint.of("/jdk", "25+9", List.of("-Xmx2g"), List.of(a, b)).id()).isNotEqualTo(base.id());
		// same size and time, other content: only the hash tells
		FileTime time = Files.getLastModifiedTime(a);
		Files.writeString(a, "AAAA");
		Files.setLastModifiedTime(a, time);
		assertThat(base.unchanged()).isTrue();
		assertThat(Fingerprint.of("/jdk", "25+9", List.of("-Xmx1g"), List.of(a, b)).id()).isNotEqualTo(base.id());
		Files.setLastModifiedTime(b, FileTime.fromMillis(time.toMillis() + 5000));
		assertThat(base.unchanged()).isFalse();
	}

	@Test
	void aClassPathLaunchWhoseJarChangedStartsWithoutTheArchive() throws IOException {
		Path jar = plainJar(this.temp.resolve("lib.jar"), "v1");
		List<String> command = List.of("java", "-cp", jar.toString(), "demo.Main", "arg");
		StartupCache cache = cache(true, command);
		cache.prepare(command, true).join();
		assertThat(this.jvm.kinds()).containsExactly("train", "check");
		assertThat(cache.command(command)).hasSize(command.size() + 1)
			.element(1)
			.asString()
			.startsWith("-XX:AOTCache=");

		plainJar(jar, "version two, longer");
		assertThat(cache.command(command)).isEqualTo(command);
		// the next rollout fingerprints it again
		cache.prepare(command, true).join();
		assertThat(this.jvm.kinds()).containsExactly("train", "check", "train", "check");
		assertThat(cache.command(command).get(1)).startsWith("-XX:AOTCache=");
	}

	@Test
	void anArchiveTheJvmRefusesIsDeletedAndNeverUsed() throws IOException {
		Path jar = bootJar(this.temp.resolve("app.jar"), "v1");
		List<String> command = jarCommand(jar);
		this.jvm.checkStatus = 1;
		StartupCache cache = cache(true, command);
		cache.prepare(command, true).join();
		List<String> started = cache.command(command);
		assertThat(started).noneMatch((arg) -> arg.startsWith("-XX:AOTCache"));
		assertThat(extractedJar(started)).contains("extract-");
		try (var files = Files.list(this.temp.resolve("cache"))) {
			assertThat(files.map(Path::toString)).noneMatch((name) -> name.endsWith(".aot"));
		}
		// refused once: not trained again in this master
		cache.prepare(command, true).join();
		assertThat(this.jvm.kinds()).containsExactly("extract", "train", "check");
	}

	@Test
	void aFailedTrainingRunLeavesTheBuildRunningWithoutAnArchive() throws IOException {
		Path jar = bootJar(this.temp.resolve("app.jar"), "v1");
		List<String> command = jarCommand(jar);
		this.jvm.trainStatus = 1;
		StartupCache cache = cache(true, command);
		cache.prepare(command, true).join();
		assertThat(cache.command(command)).noneMatch((arg) -> arg.startsWith("-XX:AOTCache"))
			.anyMatch((arg) -> arg.contains("extract-"));
		assertThat(this.jvm.kinds()).containsExactly("extract", "train");
	}

	@Test
	void anArchiveChangedAfterTheCheckIsNotUsed() throws IOException {
		Path jar = bootJar(this.temp.resolve("app.jar"), "v1");
		List<String> command = jarCommand(jar);
		StartupCache cache = cache(true, command);
		cache.prepare(command, true).join();
		String option = cache.command(command).get(2);
		Path archive = Path.of(option.substring("-XX:AOTCache=".length()));
		Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-------"));
		Files.writeString(archive, "tampered, longer than before");
		assertThat(cache.command(command)).doesNotContain(option).anyMatch((arg) -> arg.contains("extract-"));
	}

	@Test
	void aClosedCachePreparesNothingAndStillStartsWorkers() throws IOException {
		Path jar = bootJar(this.temp.resolve("app.jar"), "v1");
		List<String> command = jarCommand(jar);
		StartupCache cache = cache(true, command);
		cache.close();
		assertThat(cache.prepare(command, true)).isCompleted();
		assertThat(cache.command(command)).isEqualTo(command);
		assertThat(this.jvm.commands).isEmpty();
	}

	@Test
	void onJdk17TheCdsOptionsAreUsed() throws IOException {
		Path jar = bootJar(this.temp.resolve("app.jar"), "v1");
		List<String> command = jarCommand(jar);
		StartupCache cache = StartupCache.create(true, this.temp.resolve("cache"), command, 17, true, this.jvm,
				Duration.ofMinutes(1));
		this.caches.add(cache);
		cache.prepare(command, true).join();
		assertThat(this.jvm.commands.get(1).get(2)).startsWith("-XX:ArchiveClassesAtExit=");
		assertThat(this.jvm.commands.get(2)).contains("-Xshare:on");
		assertThat(cache.command(command).get(2)).startsWith("-XX:SharedArchiveFile=").endsWith(".jsa");
	}

	@Test
	void theDirectoryMustBeOwnerOnly() throws IOException {
		Path open = Files.createDirectories(this.temp.resolve("open"));
		Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
		assertThatIOException().isThrownBy(() -> StartupCache.privateDirectory(open))
			.withMessageContaining("rwxr-xr-x, not rwx------");
		Path fresh = this.temp.resolve("fresh/app");
		StartupCache.privateDirectory(fresh);
		assertThat(Files.getPosixFilePermissions(fresh)).isEqualTo(StartupCache.OWNER_ONLY);
		assertThat(Files.getPosixFilePermissions(fresh.getParent())).isEqualTo(StartupCache.OWNER_ONLY);
		StartupCache cache = StartupCache.create(true, open, jarCommand(bootJar(this.temp.resolve("a.jar"), "v")), 25,
				true, this.jvm, Duration.ofMinutes(1));
		this.caches.add(cache);
		assertThat(cache.enabled()).isFalse();
	}

	@Test
	void pruningKeepsTheNewestArchivesAndTheOneInUse() throws IOException {
		Path directory = Files.createDirectories(this.temp.resolve("prune"));
		List<Path> archives = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			Path archive = Files.writeString(directory.resolve("fp" + i + ".aot"), "x");
			Files.writeString(directory.resolve("fp" + i + ".txt"), "x");
			Files.setLastModifiedTime(archive, FileTime.fromMillis(1_000_000L * (i + 1)));
			archives.add(archive);
		}
		Files.writeString(directory.resolve("fp3.classes"), "x");
		// class lists of builds never trained
		List<Path> classLists = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Path list = Files.writeString(directory.resolve("untrained" + i + ".classes"), "x");
			Files.setLastModifiedTime(list, FileTime.fromMillis(1_000_000L * (i + 1)));
			classLists.add(list);
		}
		List<Path> extractions = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			extractions.add(Files.createDirectories(directory.resolve("extract-" + i)));
		}
		// the oldest is what a live master's workers run (this JVM stands for it), the
		// next oldest was a dead master's
		Files.createFile(extractions.get(0).resolve(StartupCache.IN_USE_PREFIX + ProcessHandle.current().pid()));
		Files.createFile(extractions.get(1).resolve(StartupCache.IN_USE_PREFIX + Long.MAX_VALUE));
		for (int i = 0; i < 5; i++) {
			Files.setLastModifiedTime(extractions.get(i), FileTime.fromMillis(1_000_000L * (i + 1)));
		}
		StartupCache.prune(directory, ".aot", archives.get(0));
		assertThat(extractions.get(0)).as("in use by a live master").exists();
		assertThat(extractions.get(1)).doesNotExist();
		assertThat(extractions.subList(2, 5)).allSatisfy((extraction) -> assertThat(extraction).exists());
		assertThat(archives.get(0)).exists();
		assertThat(archives.get(5)).exists();
		assertThat(archives.get(4)).exists();
		assertThat(archives.get(3)).doesNotExist();
		assertThat(directory.resolve("fp3.txt")).doesNotExist();
		assertThat(directory.resolve("fp3.classes")).doesNotExist();
		assertThat(archives.get(1)).doesNotExist();
		assertThat(classLists.subList(0, 2)).allSatisfy((list) -> assertThat(list).doesNotExist());
		assertThat(classLists.subList(2, 5)).allSatisfy((list) -> assertThat(list).exists());
	}

	private StartupCache cache(boolean enabled, List<String> command) {
		return cache(enabled, command, false);
	}

	private StartupCache cache(boolean enabled, List<String> command, boolean fixedAddress) {
		StartupCache cache = StartupCache.create(enabled, this.temp.resolve("cache"), command, 25, fixedAddress,
				this.jvm, Duration.ofMinutes(1));
		this.caches.add(cache);
		return cache;
	}

	private static List<String> jarCommand(Path jar) {
		return List.of("java", "-Xmx256m", "-jar", jar.toString(), "--server.port=8080");
	}

	private static String extractedJar(List<String> command) {
		return command.get(command.indexOf("-jar") + 1);
	}

	private static Path bootJar(Path path, String content) throws IOException {
		return jar(path, content, "BOOT-INF/classes/version.txt", null);
	}

	private static Path plainJar(Path path, String content) throws IOException {
		return jar(path, content, "version.txt", null);
	}

	private static Path jar(Path path, String content, String entry, String classPath) throws IOException {
		Manifest manifest = new Manifest();
		manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
		if (classPath != null) {
			manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
		}
		try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out, manifest)) {
			if (entry.startsWith("BOOT-INF/")) {
				jar.putNextEntry(new JarEntry("BOOT-INF/"));
				jar.closeEntry();
			}
			jar.putNextEntry(new JarEntry(entry));
			jar.write(content.getBytes());
			jar.closeEntry();
		}
		return path;
	}

	/** Extracts, trains and checks as the JDK would, by writing the files. */
	private static final class FakeJvm implements StartupCache.Jvm {

		final List<List<String>> commands = new ArrayList<>();

		int trainStatus;

		int checkStatus;

		private final AtomicInteger trainings = new AtomicInteger();

		@Override
		public synchronized int run(List<String> command, Path log, Duration timeout) throws IOException {
			this.commands.add(List.copyOf(command));
			Files.writeString(log, "fake output of " + kind(command));
			switch (kind(command)) {
				case "extract" -> {
					Path destination = Path.of(command.get(command.indexOf("--destination") + 1));
					Path lib = Files.createDirectories(destination.resolve("lib"));
					plainJar(lib.resolve("dependency.jar"), "dependency of " + command.get(3));
					Path source = Path.of(command.get(3));
					jar(destination.resolve(source.getFileName()), Files.size(source) + " " + source, "app/Main.class",
							"lib/dependency.jar");
					return 0;
				}
				case "train" -> {
					if (this.trainStatus == 0) {
						String output = command.stream()
							.filter((arg) -> arg.startsWith("-XX:AOTCacheOutput=")
									|| arg.startsWith("-XX:ArchiveClassesAtExit="))
							.findFirst()
							.orElseThrow();
						Files.writeString(Path.of(output.substring(output.indexOf('=') + 1)),
								"archive " + this.trainings.incrementAndGet());
					}
					return this.trainStatus;
				}
				default -> {
					return this.checkStatus;
				}
			}
		}

		List<String> kinds() {
			return this.commands.stream().map(FakeJvm::kind).toList();
		}

		static String kind(List<String> command) {
			if (command.contains("-Djarmode=tools")) {
				return "extract";
			}
			return command.contains("-Dspring.context.exit=onRefresh") ? "train" : "check";
		}

	}

}
