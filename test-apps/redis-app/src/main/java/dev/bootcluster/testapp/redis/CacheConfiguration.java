package dev.bootcluster.testapp.redis;

import org.springframework.boot.cache.autoconfigure.RedisCacheManagerBuilderCustomizer;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Caching in Redis: Boot configures the {@code RedisCacheManager} from
 * {@code spring.cache.type=redis}; this only makes its writes immediate. On Lettuce,
 * Spring Data Redis 4 sends a cache's puts and evicts asynchronously by default, so
 * {@code @CacheEvict} can return before Redis deleted the entry and a request on another
 * host may still read it (seen in RedisIT). Immediate writes give read-your-writes across
 * hosts.
 */
@Configuration(proxyBeanMethods = false)
@EnableCaching
class CacheConfiguration {

	@Bean
	RedisCacheManagerBuilderCustomizer immediateCacheWrites(RedisConnectionFactory connectionFactory) {
		return (builder) -> builder
			.cacheWriter(RedisCacheWriter.create(connectionFactory, (writer) -> writer.immediateWrites()));
	}

}
