package dev.bootcluster.context;

import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;

import dev.bootcluster.web.ClusterListenerException;
import dev.bootcluster.WorkerExit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link WorkerWebServerKind}: the master picks the server Boot would start,
 * from the class path (the test class path has Tomcat, Jetty and Reactor Netty).
 */
class WorkerWebServerKindTest {

	@Test
	void servletApplicationsRunTomcatBeforeJetty() {
		assertThat(WorkerWebServerKind.detect(WebApplicationType.SERVLET, getClass().getClassLoader()))
			.isEqualTo(WorkerWebServerKind.TOMCAT);
		assertThat(
				WorkerWebServerKind.detect(WebApplicationType.SERVLET, new FilteredClassLoader("org.apache.catalina")))
			.isEqualTo(WorkerWebServerKind.JETTY);
	}

	@Test
	void reactiveApplicationsRunReactorNettyFirst() {
		assertThat(WorkerWebServerKind.detect(WebApplicationType.REACTIVE, getClass().getClassLoader()))
			.isEqualTo(WorkerWebServerKind.NETTY);
		assertThat(WorkerWebServerKind.detect(WebApplicationType.REACTIVE, new FilteredClassLoader("reactor.netty")))
			.isEqualTo(WorkerWebServerKind.TOMCAT);
	}

	@Test
	void anApplicationWithoutAWebServerSharesNoPort() {
		assertThat(WorkerWebServerKind.detect(WebApplicationType.NONE, getClass().getClassLoader()))
			.isEqualTo(WorkerWebServerKind.NONE);
	}

	@Test
	void aWebApplicationWithNoServerTheWorkersCanShareFailsFastAsMisconfigured() {
		assertThatExceptionOfType(ClusterListenerException.class)
			.isThrownBy(() -> WorkerWebServerKind.detect(WebApplicationType.SERVLET,
					new FilteredClassLoader("org.apache.catalina", "org.eclipse.jetty")))
			.satisfies((ex) -> {
				assertThat(ex.getMessage()).contains("servlet web application");
				assertThat(ex.getAction()).contains("spring-boot-starter-tomcat").contains("cluster.workers");
				assertThat(ex.getExitCode()).isEqualTo(WorkerExit.MISCONFIGURED);
			});
	}

}
