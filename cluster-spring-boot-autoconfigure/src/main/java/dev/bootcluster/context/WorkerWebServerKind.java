package dev.bootcluster.context;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.WebApplicationType;
import org.springframework.util.ClassUtils;

import dev.bootcluster.web.ClusterListenerException;

/**
 * The embedded web server the workers will run, read from the class path the way Boot's
 * auto-configuration picks one, so the master knows it before it starts a worker and
 * refuses an application whose server the workers could not share a port with.
 */
public enum WorkerWebServerKind {

	/** Tomcat, servlet or reactive. */
	TOMCAT("Tomcat", "org.apache.catalina.startup.Tomcat", "org.springframework.boot.tomcat.TomcatWebServer"),

	/** Jetty, servlet or reactive. */
	JETTY("Jetty", "org.eclipse.jetty.server.ServerConnector", "org.springframework.boot.jetty.JettyWebServer"),

	/** Reactor Netty (WebFlux). */
	NETTY("Reactor Netty", "reactor.netty.http.server.HttpServer",
			"org.springframework.boot.reactor.netty.NettyWebServer"),

	/** Not a web application: the workers listen on no port. */
	NONE("no web server");

	private final String displayName;

	private final String[] classes;

	WorkerWebServerKind(String displayName, String... classes) {
		this.displayName = displayName;
		this.classes = classes;
	}

	public String displayName() {
		return this.displayName;
	}

	private boolean isPresent(@Nullable ClassLoader loader) {
		for (String name : this.classes) {
			if (!ClassUtils.isPresent(name, loader)) {
				return false;
			}
		}
		return this.classes.length > 0;
	}

	/**
	 * The server Boot would start for {@code type}: Tomcat before Jetty for a servlet
	 * application, Reactor Netty first for a reactive one.
	 * @throws ClusterListenerException for a web application with none of the three
	 * servers
	 */
	public static WorkerWebServerKind detect(WebApplicationType type, @Nullable ClassLoader loader) {
		if (type == WebApplicationType.NONE) {
			return NONE;
		}
		WorkerWebServerKind[] order = (type == WebApplicationType.SERVLET) ? new WorkerWebServerKind[] { TOMCAT, JETTY }
				: new WorkerWebServerKind[] { NETTY, TOMCAT, JETTY };
		for (WorkerWebServerKind kind : order) {
			if (kind.isPresent(loader)) {
				return kind;
			}
		}
		throw new ClusterListenerException(
				"This " + type.name().toLowerCase(java.util.Locale.ROOT) + " web application has none of the embedded "
						+ "web servers whose port the cluster's workers can share",
				"Add one of Boot's embedded servers (spring-boot-starter-tomcat or spring-boot-starter-jetty for a "
						+ "servlet application, spring-boot-starter-reactor-netty for WebFlux), or run without "
						+ "cluster.workers.");
	}

}
