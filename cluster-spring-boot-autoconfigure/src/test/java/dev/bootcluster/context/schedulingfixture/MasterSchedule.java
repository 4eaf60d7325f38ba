package dev.bootcluster.context.schedulingfixture;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.bootcluster.context.ClusterMaster;

/**
 * A master-only configuration that enables scheduling itself.
 */
@ClusterMaster
@Configuration(proxyBeanMethods = false)
@EnableScheduling
public class MasterSchedule {

}
