package dev.bootcluster.context;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * Source of the master's own context: the application's auto-configuration (so a
 * {@code DataSource} or {@code @Scheduled} can work there) but none of the application's
 * ordinary beans and no web server.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class ClusterMasterApplication {

}
