package dev.bootcluster.autoconfigure;

import java.util.Arrays;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.bootcluster.ClusterRole;

/**
 * The role is published by {@code ClusterRoleListener} as {@code cluster.internal.role};
 * a context started without it (as by {@code ApplicationContextRunner}) is STANDALONE.
 */
class OnClusterRoleCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnClusterRole.class.getName());
		ClusterRole[] roles = (ClusterRole[]) attributes.get("value");
		ClusterRole role = role(context);
		boolean match = Arrays.asList(roles).contains(role);
		return new ConditionOutcome(match,
				"cluster role " + role + (match ? " is one of " : " is not one of ") + Arrays.toString(roles));
	}

	static ClusterRole role(ConditionContext context) {
		String value = context.getEnvironment().getProperty(ClusterRole.PROPERTY);
		return (value != null) ? ClusterRole.valueOf(value) : ClusterRole.STANDALONE;
	}

}
