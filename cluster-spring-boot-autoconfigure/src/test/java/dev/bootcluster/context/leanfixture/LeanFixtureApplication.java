package dev.bootcluster.context.leanfixture;

import org.springframework.stereotype.Component;

/**
 * An application's package with components but no {@code @ClusterMaster} class.
 */
@Component
public class LeanFixtureApplication {

}
