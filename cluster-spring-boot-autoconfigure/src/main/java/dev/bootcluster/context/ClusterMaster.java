package dev.bootcluster.context;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;
import org.springframework.stereotype.Component;

/**
 * A component (or {@code @Configuration} class) that runs in the master only: Node's
 * {@code if (cluster.isMaster) { ... }}, as a bean.
 * <p>
 * The master's context is built from the application's auto-configuration (so a
 * {@code DataSource}, {@code JdbcClient}, repositories and {@code @Scheduled} work there)
 * plus the {@code @ClusterMaster} classes found under the application's package (the
 * package of the main class, as component scanning does); it has no web server and none
 * of the ordinary application beans, so a master bean may depend on auto-configured beans
 * and other master beans only. Workers skip these classes. A STANDALONE process (tests,
 * {@code cluster.enabled=false}) is master and worker at once and runs them too.
 * <p>
 * {@code @Scheduled} methods run when scheduling is enabled: by {@code @EnableScheduling}
 * on the main class (the master honours it) or on a {@code @ClusterMaster} configuration
 * class.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
@Conditional(ClusterMasterCondition.class)
public @interface ClusterMaster {

}
