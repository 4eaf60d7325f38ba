package dev.bootcluster.sample.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The end-to-end checks of {@link ServerScenarios} against each web server the starter
 * supports: the sample (Spring MVC on Tomcat), test-apps/jetty-app (Spring MVC on Jetty)
 * and test-apps/webflux-app (WebFlux on Reactor Netty). One nested class per server, run
 * one after the other; each is tagged, so {@code -Dgroups=jetty} runs one server only.
 */
class ServersIT {

	@Nested
	@Tag("tomcat")
	class Tomcat extends ServerScenarios {

		Tomcat() {
			super(App.SAMPLE);
		}

	}

	@Nested
	@Tag("jetty")
	class Jetty extends ServerScenarios {

		Jetty() {
			super(App.JETTY);
		}

	}

	@Nested
	@Tag("webflux")
	class WebFlux extends ServerScenarios {

		WebFlux() {
			super(App.WEBFLUX);
		}

		/**
		 * A WebFlux worker must load no servlet class: the app's jar has no servlet API
		 * at all (neither the jakarta.servlet-api jar nor a jakarta/servlet class in any
		 * jar), so a starter that touched one (a servlet {@code Filter}, say) would fail
		 * the workers with ClassNotFoundException; yet its cluster started, and no worker
		 * logged a servlet class.
		 */
		@Test
		@Order(4)
		void theJarHasNoServletApiAndItsClusterStartsWithoutOne() throws IOException {
			List<String> libs = new ArrayList<>();
			List<String> servletClasses = new ArrayList<>();
			try (ZipFile jar = new ZipFile(App.WEBFLUX.jar().toFile())) {
				for (ZipEntry entry : Collections.list(jar.entries())) {
					String name = entry.getName();
					if (name.startsWith("jakarta/servlet/") || name.startsWith("BOOT-INF/classes/jakarta/servlet/")) {
						servletClasses.add(name);
					}
					if (name.startsWith("BOOT-INF/lib/") && name.endsWith(".jar")) {
						libs.add(name);
						try (InputStream in = jar.getInputStream(entry);
								ZipInputStream nested = new ZipInputStream(in)) {
							ZipEntry inner;
							while ((inner = nested.getNextEntry()) != null) {
								if (inner.getName().startsWith("jakarta/servlet/")) {
									servletClasses.add(name + "!/" + inner.getName());
								}
							}
						}
					}
				}
			}
			assertThat(libs).as("BOOT-INF/lib of the webflux-app jar")
				.anySatisfy((lib) -> assertThat(lib).contains("reactor-netty-http"))
				.anySatisfy((lib) -> assertThat(lib).contains("cluster-spring-boot-autoconfigure"))
				.noneSatisfy((lib) -> assertThat(lib).matches("BOOT-INF/lib/jakarta\\.servlet-api-.*\\.jar"));
			assertThat(servletClasses).as("jakarta/servlet classes in the webflux-app jar").isEmpty();

			ClusterProcess cluster = tlsCluster();
			assertThat(cluster.output()).as("the WebFlux cluster's output")
				.noneSatisfy((line) -> assertThat(line).containsAnyOf("jakarta.servlet", "jakarta/servlet"));
		}

	}

}
