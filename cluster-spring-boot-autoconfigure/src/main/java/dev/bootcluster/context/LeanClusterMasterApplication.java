package dev.bootcluster.context;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;

import dev.bootcluster.autoconfigure.ClusterAutoConfiguration;
import dev.bootcluster.autoconfigure.ClusterLoggersAutoConfiguration;

/**
 * Source of the master's context when the application has no {@link ClusterMaster} class:
 * the supervisor, the IPC hub and store, the relays and the cluster's logging, with
 * Boot's property binding, placeholders and lifecycle timeouts, and none of the
 * application's auto-configuration (no JPA, security, caches, metrics, Jackson
 * customization). A master with {@code @ClusterMaster} beans gets
 * {@link ClusterMasterApplication} instead.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@ImportAutoConfiguration({ PropertyPlaceholderAutoConfiguration.class, ConfigurationPropertiesAutoConfiguration.class,
		LifecycleAutoConfiguration.class, ClusterAutoConfiguration.class, ClusterLoggersAutoConfiguration.class })
public class LeanClusterMasterApplication {

}
