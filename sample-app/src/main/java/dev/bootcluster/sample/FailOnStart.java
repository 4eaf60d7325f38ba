package dev.bootcluster.sample;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code --sample.fail-on-start=true} makes the application fail after its web server
 * started: a broken build, for demonstrating the crash-loop breaker (and, later, a failed
 * rollout).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("sample.fail-on-start")
class FailOnStart {

	@Bean
	ApplicationRunner brokenBuildRunner() {
		return (args) -> {
			throw new IllegalStateException("sample.fail-on-start is set: this build is broken on purpose");
		};
	}

}
