package dev.bootcluster.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The demo: run it as usual and, with {@code cluster.workers: auto} in
 * {@code application.yml}, it becomes a master with one worker JVM per CPU, all serving
 * one port.
 */
@SpringBootApplication
@EnableScheduling
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
