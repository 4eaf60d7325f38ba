package dev.bootcluster.context;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.ClassPathBeanDefinitionScanner;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.Environment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfiguration;
import org.springframework.util.ClassUtils;

/**
 * Fills the master's context with what belongs there, before it is refreshed: the
 * {@link ClusterMaster} classes under the application's packages (scanned with no other
 * filter, so ordinary components stay out), the application's packages as
 * auto-configuration packages (for repositories and entity scanning), and scheduling when
 * the application enables it.
 */
final class ClusterMasterBeans implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	private static final Log logger = LogFactory.getLog(ClusterMasterBeans.class);

	private final Set<Class<?>> applicationSources;

	private final Set<String> packages;

	private final Set<BeanDefinition> found;

	private ClusterMasterBeans(Set<Class<?>> applicationSources, Set<String> packages, Set<BeanDefinition> found) {
		this.applicationSources = applicationSources;
		this.packages = packages;
		this.found = found;
	}

	/**
	 * Finds the {@link ClusterMaster} classes under the packages of the application's
	 * sources (scanned with no other filter, so ordinary components stay out), to choose
	 * the master's sources before its context exists; {@link #initialize} registers them.
	 */
	static ClusterMasterBeans scan(Set<Class<?>> applicationSources, Environment environment,
			@Nullable ClassLoader classLoader) {
		Set<String> packages = new LinkedHashSet<>();
		for (Class<?> source : applicationSources) {
			packages.add(ClassUtils.getPackageName(source));
		}
		Set<BeanDefinition> found = new LinkedHashSet<>();
		ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false,
				environment);
		if (classLoader != null) {
			scanner.setResourceLoader(new DefaultResourceLoader(classLoader));
		}
		scanner.addIncludeFilter(new AnnotationTypeFilter(ClusterMaster.class));
		for (String each : packages) {
			found.addAll(scanner.findCandidateComponents(each));
		}
		return new ClusterMasterBeans(applicationSources, packages, found);
	}

	/**
	 * Whether the application has no {@link ClusterMaster} class: the master can be lean.
	 */
	boolean none() {
		return this.found.isEmpty();
	}

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		if (!(context instanceof BeanDefinitionRegistry registry)) {
			logger.warn("The master context is not a bean definition registry; @ClusterMaster beans are not created");
			return;
		}
		if (this.packages.isEmpty()) {
			return;
		}
		AutoConfigurationPackages.register(registry, this.packages.toArray(String[]::new));
		ClassPathBeanDefinitionScanner scanner = new ClassPathBeanDefinitionScanner(registry, false,
				context.getEnvironment());
		scanner.setResourceLoader(context);
		scanner.addIncludeFilter(new AnnotationTypeFilter(ClusterMaster.class));
		int found = scanner.scan(this.packages.toArray(String[]::new));
		boolean scheduling = found > 0 && this.applicationSources.stream()
			.anyMatch((source) -> MergedAnnotations.from(source, MergedAnnotations.SearchStrategy.TYPE_HIERARCHY)
				.isPresent(EnableScheduling.class));
		if (scheduling) {
			RootBeanDefinition definition = new RootBeanDefinition(SchedulingConfiguration.class);
			definition.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
			registry.registerBeanDefinition(SchedulingConfiguration.class.getName(), definition);
		}
		logger.info("Master context: " + found + " @ClusterMaster bean" + ((found == 1) ? "" : "s") + " under "
				+ this.packages + (scheduling ? ", scheduling enabled" : "")
				+ ((found == 0) ? "; lean: the cluster's own configuration only, none of the application's "
						+ "auto-configuration" : ""));
		logger.debug("Master sources: " + Arrays.toString(this.applicationSources.toArray()));
	}

}
