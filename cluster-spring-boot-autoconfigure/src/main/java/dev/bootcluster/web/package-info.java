/**
 * What a cluster worker needs of its embedded web server
 * ({@link dev.bootcluster.web.WorkerWebServer}), with one implementation per server in
 * {@code tomcat}, {@code jetty} and {@code netty}, and the request counting of servlet
 * and reactive applications in {@code servlet} and {@code reactive}.
 */
@NullMarked
package dev.bootcluster.web;

import org.jspecify.annotations.NullMarked;
