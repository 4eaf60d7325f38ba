package dev.bootcluster.sample.cache;

import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Configuration;

/**
 * Spring's caching, on Boot's simple cache: in a cluster each worker's cache is a near
 * cache, invalidated on the others when one worker writes (or, with
 * {@code cluster.cache.mode=shared}, entries live in the master's store).
 */
@Configuration(proxyBeanMethods = false)
@EnableCaching
class PriceCaching {

}
