package dev.bootcluster.context;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.bootcluster.ClusterRole;

/**
 * Matches in the master and in a STANDALONE process: everywhere but in workers.
 */
class ClusterMasterCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		String role = context.getEnvironment().getProperty(ClusterRole.PROPERTY, ClusterRole.STANDALONE.name());
		boolean worker = ClusterRole.WORKER.name().equals(role);
		return new ConditionOutcome(!worker, "@ClusterMaster in cluster role " + role);
	}

}
