package dev.bootcluster.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

import dev.bootcluster.ClusterRole;

/**
 * Matches when this process plays one of the given roles.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@Conditional(OnClusterRoleCondition.class)
public @interface ConditionalOnClusterRole {

	ClusterRole[] value();

}
