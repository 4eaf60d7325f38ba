package dev.bootcluster.context.schedulingfixture;

import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * A main class that enables scheduling, in a package whose master configuration enables
 * it too.
 */
@EnableScheduling
public class ScheduledMasterApplication {

}
