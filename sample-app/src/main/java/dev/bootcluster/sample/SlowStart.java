package dev.bootcluster.sample;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * {@code --sample.start-delay=30s} makes a build that takes that long to become ready: an
 * application runner (after the context started, before readiness turns
 * {@code ACCEPTING_TRAFFIC}) waits that long. A SIGTERM meanwhile stops it as usual (the
 * shutdown hook closes the started context). For catching a rolling restart while its
 * replacement is still starting.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("sample.start-delay")
class SlowStart {

	private static final Log logger = LogFactory.getLog(SlowStart.class);

	@Bean
	ApplicationRunner slowStartRunner(Environment environment) {
		Duration delay = DurationStyle.detectAndParse(environment.getRequiredProperty("sample.start-delay"));
		return (args) -> {
			logger.info("sample.start-delay: becoming ready in " + delay.toMillis() + " ms");
			Thread.sleep(delay.toMillis());
		};
	}

}
