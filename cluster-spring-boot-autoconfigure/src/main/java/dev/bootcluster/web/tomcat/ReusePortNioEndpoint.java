package dev.bootcluster.web.tomcat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.apache.tomcat.util.net.NioEndpoint;

/**
 * A Tomcat NIO endpoint whose listening socket sets {@code SO_REUSEPORT} before binding,
 * so that every worker binds the same port and the kernel spreads connections over them.
 * Tomcat has no switch for it; its listening channel lives in a private field, which a
 * {@link VarHandle} sets (Tomcat is in the unnamed module, so no {@code --add-opens} is
 * needed).
 */
public class ReusePortNioEndpoint extends NioEndpoint {

	private static final VarHandle SERVER_SOCK;

	static {
		try {
			SERVER_SOCK = MethodHandles.privateLookupIn(NioEndpoint.class, MethodHandles.lookup())
				.findVarHandle(NioEndpoint.class, "serverSock", ServerSocketChannel.class);
		}
		catch (ReflectiveOperationException ex) {
			// Fail at class init, not at bind time, if Tomcat ever renames the field.
			throw new ExceptionInInitializerError(new IllegalStateException(
					"This Tomcat version has no NioEndpoint.serverSock field; SO_REUSEPORT cannot be set", ex));
		}
	}

	@Override
	protected void initServerSocket() throws Exception {
		if (getUseInheritedChannel() || getUnixDomainSocketPath() != null) {
			super.initServerSocket();
			return;
		}
		ServerSocketChannel channel = ServerSocketChannel.open();
		try {
			getSocketProperties().setProperties(channel.socket());
			channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			if (!channel.getOption(StandardSocketOptions.SO_REUSEPORT)) {
				throw new IllegalStateException("SO_REUSEPORT did not stick on Tomcat's listening socket");
			}
			channel.bind(new InetSocketAddress(getAddress(), getPortWithOffset()), getAcceptCount());
			channel.configureBlocking(true);
		}
		catch (Exception ex) {
			channel.close();
			throw ex;
		}
		SERVER_SOCK.setVolatile(this, channel);
	}

	/**
	 * Tomcat wakes a pausing acceptor with a loopback connection to its own port; with
	 * {@code SO_REUSEPORT} that connection can land on a sibling worker, so the acceptor
	 * takes one more real client instead, which Tomcat would destroy. Serve it while the
	 * endpoint still runs.
	 */
	@Override
	protected void destroySocket(SocketChannel socket) {
		if (isRunning() && setSocketOptions(socket)) {
			return;
		}
		super.destroySocket(socket);
	}

}
