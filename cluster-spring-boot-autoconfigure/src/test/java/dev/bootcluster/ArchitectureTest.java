package dev.bootcluster;

import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The direction of dependencies between packages (see DESIGN.md), checked on the main
 * classes.
 */
@AnalyzeClasses(packages = "dev.bootcluster", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

	private static final DescribedPredicate<JavaClass> CLUSTER_SUBPACKAGES = resideInAPackage("dev.bootcluster..")
		.and(DescribedPredicate.not(resideInAPackage("dev.bootcluster")))
		.as("reside in a subpackage of 'dev.bootcluster'");

	@ArchTest
	static final ArchRule coreDoesNotUseSpring = noClasses().that()
		.resideInAnyPackage("dev.bootcluster", "dev.bootcluster.master..", "dev.bootcluster.worker..",
				"dev.bootcluster.ipc..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("org.springframework..");

	@ArchTest
	static final ArchRule workerDoesNotDependOnMaster = noClasses().that()
		.resideInAPackage("dev.bootcluster.worker..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("dev.bootcluster.master..");

	@ArchTest
	static final ArchRule ipcDependsOnNeitherMasterNorWorker = noClasses().that()
		.resideInAPackage("dev.bootcluster.ipc..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.bootcluster.master..", "dev.bootcluster.worker..");

	@ArchTest
	static final ArchRule rootDependsOnNoSubpackage = noClasses().that()
		.resideInAPackage("dev.bootcluster")
		.should()
		.dependOnClassesThat(CLUSTER_SUBPACKAGES);

	@ArchTest
	static final ArchRule actuateSeesOnlyClusterOperations = noClasses().that()
		.resideInAPackage("dev.bootcluster.actuate..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.bootcluster.master..", "dev.bootcluster.worker..", "dev.bootcluster.context..");

	@ArchTest
	static final ArchRule schedulingSeesNoLayerAboveIt = noClasses().that()
		.resideInAPackage("dev.bootcluster.scheduling..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.bootcluster.autoconfigure..", "dev.bootcluster.actuate..", "dev.bootcluster.context..",
				"dev.bootcluster.web..", "dev.bootcluster.messaging..");

	/**
	 * A WebFlux worker must load no servlet class, a Jetty worker nothing of Tomcat: only
	 * the server's own package (and the servlet request counting) may see a server or the
	 * servlet API, and its configuration is loaded only where that server is on the class
	 * path.
	 */
	@ArchTest
	static final ArchRule onlyServletCodeSeesTheServletApi = noClasses().that()
		.resideOutsideOfPackages("dev.bootcluster.web.servlet..", "dev.bootcluster.web.tomcat..",
				"dev.bootcluster.web.jetty..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("jakarta.servlet..");

	@ArchTest
	static final ArchRule onlyTheTomcatPackageSeesTomcat = noClasses().that()
		.resideOutsideOfPackage("dev.bootcluster.web.tomcat..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("org.apache.catalina..", "org.apache.coyote..", "org.apache.tomcat..",
				"org.springframework.boot.tomcat..");

	@ArchTest
	static final ArchRule onlyTheJettyPackageSeesJetty = noClasses().that()
		.resideOutsideOfPackage("dev.bootcluster.web.jetty..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("org.eclipse.jetty..", "org.springframework.boot.jetty..");

	@ArchTest
	static final ArchRule onlyTheNettyPackageSeesNetty = noClasses().that()
		.resideOutsideOfPackage("dev.bootcluster.web.netty..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("io.netty..", "reactor.netty..", "org.springframework.boot.reactor.netty..");

	@ArchTest
	static final ArchRule noJavaSerialization = noClasses().should()
		.dependOnClassesThat(assignableTo(ObjectInputStream.class).or(assignableTo(ObjectOutputStream.class)))
		.as("no classes should use Java serialization (ObjectInputStream / ObjectOutputStream)");

	/**
	 * Cache keys and values and session attributes are Java-serialized (with Spring's
	 * serializer) by the worker that caches or sets them, and only there: the master
	 * relays and stores the bytes without reading them, and no IPC frame is Java
	 * serialization.
	 */
	@ArchTest
	static final ArchRule onlyCachesAndSessionsUseJavaSerialization = noClasses().that()
		.resideOutsideOfPackages("dev.bootcluster.cache..", "dev.bootcluster.session..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("org.springframework.core.serializer..");

	@ArchTest
	static final ArchRule sessionsDependOnNoMasterInternals = noClasses().that()
		.resideInAPackage("dev.bootcluster.session..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.bootcluster.master..", "dev.bootcluster.context..", "dev.bootcluster.autoconfigure..",
				"dev.bootcluster.worker..", "dev.bootcluster.ipc..");

	@ArchTest
	static final ArchRule cachesDependOnNoMasterInternals = noClasses().that()
		.resideInAPackage("dev.bootcluster.cache..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.bootcluster.master..", "dev.bootcluster.context..", "dev.bootcluster.autoconfigure..");

	/** The rules above can fail: the imported classes carry their dependencies. */
	@ArchTest
	static void importedClassesCarryTheirDependencies(JavaClasses classes) {
		assertThat(noClasses().that()
			.resideInAPackage("dev.bootcluster.context..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("org.springframework..")
			.evaluate(classes)
			.hasViolation()).isTrue();
		assertThat(noClasses().that()
			.resideInAPackage("dev.bootcluster.context..")
			.should()
			.dependOnClassesThat(CLUSTER_SUBPACKAGES.and(resideInAPackage("dev.bootcluster.master..")))
			.evaluate(classes)
			.hasViolation()).isTrue();
		assertThat(classes.contain("dev.bootcluster.ClusterOperations")).isTrue();
		assertThat(classes.contain("dev.bootcluster.ArchitectureTest")).isFalse();
	}

}
