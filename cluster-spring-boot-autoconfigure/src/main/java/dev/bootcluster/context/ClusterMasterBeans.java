package dev.bootcluster.context;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.ClassPathBeanDefinitionScanner;
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

	ClusterMasterBeans(Set<Class<?>> applicationSources) {
		this.applicationSources = applicationSources;
	}

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		if (!(context instanceof BeanDefinitionRegistry registry)) {
			logger.warn("The master context is not a bean definition registry; @ClusterMaster beans are not created");
			return;
		}
		Set<String> packages = new LinkedHashSet<>();
		for (Class<?> source : this.applicationSources) {
			packages.add(ClassUtils.getPackageName(source));
		}
		if (packages.isEmpty()) {
			return;
		}
		AutoConfigurationPackages.register(registry, packages.toArray(String[]::new));
		ClassPathBeanDefinitionScanner scanner = new ClassPathBeanDefinitionScanner(registry, false,
				context.getEnvironment());
		scanner.setResourceLoader(context);
		scanner.addIncludeFilter(new AnnotationTypeFilter(ClusterMaster.class));
		int found = scanner.scan(packages.toArray(String[]::new));
		boolean scheduling = this.applicationSources.stream()
			.anyMatch((source) -> MergedAnnotations.from(source, MergedAnnotations.SearchStrategy.TYPE_HIERARCHY)
				.isPresent(EnableScheduling.class));
		if (scheduling) {
			RootBeanDefinition definition = new RootBeanDefinition(SchedulingConfiguration.class);
			definition.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
			registry.registerBeanDefinition(SchedulingConfiguration.class.getName(), definition);
		}
		logger.info("Master context: " + found + " @ClusterMaster bean" + ((found == 1) ? "" : "s") + " under "
				+ packages + (scheduling ? ", scheduling enabled" : ""));
		logger.debug("Master sources: " + Arrays.toString(this.applicationSources.toArray()));
	}

}
