package dev.bootcluster.scheduling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code @Scheduled} method (or every {@code @Scheduled} method of a class) that
 * must run in every worker, such as the refresh of a cache local to the JVM. Without it,
 * with {@code cluster.scheduling=one-worker} (the default), a scheduled method runs only
 * on the worker that holds the scheduling lease.
 * <p>
 * Ignored in a STANDALONE application, where everything runs, and with
 * {@code cluster.scheduling=every-worker}, where everything runs in every worker.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface EveryWorker {

}
