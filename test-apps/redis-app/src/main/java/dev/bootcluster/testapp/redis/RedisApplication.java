package dev.bootcluster.testapp.redis;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An application written for several hosts: everything its instances share lives in
 * Redis, as Spring Boot users keep it there. HttpSession and the login in Spring Session
 * Data Redis ({@link SessionController}, {@link AccountSecurity}), a cache with
 * {@code spring.cache.type=redis} ({@link GreetingService}), a {@code @Scheduled} job
 * locked by ShedLock's Redis provider ({@link TickJob}). The starter clusters it on each
 * host ({@code cluster.workers} in {@code application.yml}); nothing in its code is about
 * the cluster.
 */
@SpringBootApplication
public class RedisApplication {

	public static void main(String[] args) {
		SpringApplication.run(RedisApplication.class, args);
	}

}
