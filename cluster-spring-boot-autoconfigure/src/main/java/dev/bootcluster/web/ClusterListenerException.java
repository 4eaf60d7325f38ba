package dev.bootcluster.web;

import org.springframework.boot.ExitCodeGenerator;

import dev.bootcluster.WorkerExit;

/**
 * A worker's web server cannot share the cluster's port: the server or its transport is
 * one the starter cannot make listen with {@code SO_REUSEPORT} or on the master's shared
 * socket. The worker exits with {@link WorkerExit#MISCONFIGURED}, which the master takes
 * as fatal instead of restarting the worker in a loop.
 */
public class ClusterListenerException extends RuntimeException implements ExitCodeGenerator {

	private final String action;

	public ClusterListenerException(String message, String action) {
		super(message);
		this.action = action;
	}

	/** What the user can do about it. */
	public String getAction() {
		return this.action;
	}

	@Override
	public int getExitCode() {
		return WorkerExit.MISCONFIGURED;
	}

}
