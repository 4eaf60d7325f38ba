package dev.bootcluster.context;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.jspecify.annotations.Nullable;

/**
 * Resolves the ports all workers share before any worker starts: port 0 becomes one free
 * port for every worker, and each port is probe-bound without {@code SO_REUSEPORT}, so
 * that a port held by another program (or by a leftover cluster) fails the start instead
 * of silently joining it.
 *
 * @param server the HTTP port
 * @param management the management port when it differs from the HTTP port, else null
 */
public record ListenPorts(int server, @Nullable Integer management) {

	public static ListenPorts resolve(@Nullable InetAddress address, int serverPort, @Nullable Integer managementPort) {
		int server = claim(address, serverPort, "server.port");
		Integer management = null;
		// 0 asks for a separate free port even when server.port is 0 too
		if (managementPort != null && managementPort >= 0 && (managementPort == 0 || managementPort != serverPort)) {
			management = claim(address, managementPort, "management.server.port");
		}
		return new ListenPorts(server, management);
	}

	/**
	 * Parses {@code server.address} (plain {@code Environment} conversion has no
	 * converter to {@link InetAddress}).
	 */
	public static @Nullable InetAddress address(@Nullable String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			return InetAddress.getByName(value.trim());
		}
		catch (java.net.UnknownHostException ex) {
			throw new ClusterConfigurationException("server.address", value, "an IP address or a resolvable host name");
		}
	}

	private static int claim(@Nullable InetAddress address, int port, String property) {
		if (port < 0 || port > 65535) {
			throw new ClusterConfigurationException(property, port, "a port from 0 to 65535");
		}
		try (ServerSocket probe = new ServerSocket()) {
			probe.setReuseAddress(true);
			probe.bind(new InetSocketAddress(address, port));
			return probe.getLocalPort();
		}
		catch (IOException ex) {
			throw new ClusterPortInUseException(property, port, ex);
		}
	}

}
