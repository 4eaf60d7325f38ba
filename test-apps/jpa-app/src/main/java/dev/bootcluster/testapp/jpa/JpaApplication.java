package dev.bootcluster.testapp.jpa;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An ordinary Spring MVC + JPA + Security application, heavier to start than the other
 * test applications (Hibernate, Spring Data repositories, a security filter chain): the
 * starter plus {@code cluster.workers} in {@code application.yml}, nothing else of the
 * cluster in its code. Each JVM has an H2 database of its own in memory, seeded from
 * {@code data.sql}.
 */
@SpringBootApplication
public class JpaApplication {

	public static void main(String[] args) {
		SpringApplication.run(JpaApplication.class, args);
	}

}
