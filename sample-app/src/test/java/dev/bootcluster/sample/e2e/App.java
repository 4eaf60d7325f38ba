package dev.bootcluster.sample.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The applications the end-to-end tests start as clusters, one per web server the starter
 * supports. Each is an ordinary Boot jar built by the reactor before this module;
 * Failsafe passes its path as a system property (see sample-app/pom.xml), and the
 * defaults are the same paths relative to sample-app/, for a run from an IDE.
 */
enum App {

	/**
	 * The demo: Spring MVC on Tomcat. Its {@code GET /} answer has no {@code server}
	 * field.
	 */
	SAMPLE("sample.jar", "target/sample-app.jar", "SampleApplication", "Tomcat", null, "sample.version"),

	/** test-apps/jetty-app: Spring MVC on Jetty. */
	JETTY("jetty-app.jar", "../test-apps/jetty-app/target/jetty-app.jar", "JettyApplication", "Jetty", "jetty",
			"app.version"),

	/**
	 * test-apps/webflux-app: WebFlux on Reactor Netty, no servlet API on its class path.
	 */
	WEBFLUX("webflux-app.jar", "../test-apps/webflux-app/target/webflux-app.jar", "WebFluxApplication", "Netty",
			"netty", "app.version"),

	/**
	 * test-apps/redis-app: Spring MVC on Tomcat with its shared state in Redis (sessions,
	 * a cache, a ShedLock job), for {@code RedisIT}. It has no {@code GET /}.
	 */
	REDIS("redis-app.jar", "../test-apps/redis-app/target/redis-app.jar", "RedisApplication", "Tomcat", null,
			"app.version");

	private final String jarProperty;

	private final String defaultJar;

	private final String mainClass;

	private final String server;

	private final String serverField;

	private final String versionProperty;

	App(String jarProperty, String defaultJar, String mainClass, String server, String serverField,
			String versionProperty) {
		this.jarProperty = jarProperty;
		this.defaultJar = defaultJar;
		this.mainClass = mainClass;
		this.server = server;
		this.serverField = serverField;
		this.versionProperty = versionProperty;
	}

	/** The built jar (never run directly: each cluster runs a private copy). */
	Path jar() {
		Path path = Path.of(System.getProperty(this.jarProperty, this.defaultJar));
		if (!Files.isRegularFile(path)) {
			throw new IllegalStateException("No " + name() + " jar at " + path.toAbsolutePath() + " (system property "
					+ this.jarProperty + "): run mvn verify, or mvn install -DskipTests first");
		}
		return path;
	}

	/**
	 * The simple name of the main class, as Boot logs it:
	 * {@code Started <mainClass> in ...}.
	 */
	String mainClass() {
		return this.mainClass;
	}

	/**
	 * The web server as Boot names it in its log: {@code <server> started on port ...}.
	 */
	String server() {
		return this.server;
	}

	/**
	 * The {@code server} field of the {@code GET /} answer, or null when the app has
	 * none.
	 */
	String serverField() {
		return this.serverField;
	}

	/** The property that sets the version {@code GET /} answers with (default 1). */
	String versionProperty() {
		return this.versionProperty;
	}

}
