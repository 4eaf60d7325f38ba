package dev.bootcluster;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What a master hands a worker through its environment: who it is, where the master
 * listens and the token that proves it is the process the master started.
 *
 * @param workerId worker slot id, from 1
 * @param socket the master's Unix domain socket
 * @param token this process's own single-use secret, presented in its hello
 * @param masterPid process id of the master
 * @param serverPort HTTP port all workers share
 * @param managementPort management port all workers share, or null when it is the server
 * port
 * @param maxMessageSize IPC frame limit in bytes
 * @param heartbeatMillis interval between heartbeats
 * @param sharedListener whether the HTTP listener is the socket inherited from the master
 * (on standard input) rather than a SO_REUSEPORT socket of the worker's own
 * @param protocol the master's IPC protocol version: what it understands beyond the first
 * version's messages, so that a worker of a newer build, deployed by a rolling restart
 * under a master of an earlier version, sends that master nothing it would take for a
 * misbehaving peer (see {@link #PROTOCOL_COMPACT_STORE_FRAMES}, {@link #PROTOCOL_QUERIES}
 * and {@link #PROTOCOL_PULSE})
 */
public record WorkerEnvironment(int workerId, Path socket, String token, long masterPid, int serverPort,
		@Nullable Integer managementPort, int maxMessageSize, long heartbeatMillis, boolean sharedListener,
		int protocol) {

	/** The first protocol: JSON frames only. */
	public static final int PROTOCOL_FIRST = 1;

	/** The master reads store requests in their compact binary form. */
	public static final int PROTOCOL_COMPACT_STORE_FRAMES = 2;

	/**
	 * The master relays queries from one worker to others ({@code Features},
	 * {@code Collect}, {@code Query}, {@code QueryResult}, {@code Collected}) and scales
	 * ({@code ScaleRequest}, {@code ScaleReply}).
	 */
	public static final int PROTOCOL_QUERIES = 3;

	/**
	 * Heartbeats carry the figures that recycling and the status use ({@code Pulse}:
	 * requests served, heap after GC).
	 */
	public static final int PROTOCOL_PULSE = 4;

	/** The protocol of this version. */
	public static final int PROTOCOL = PROTOCOL_PULSE;

	/** A worker environment of a master of this version. */
	public WorkerEnvironment(int workerId, Path socket, String token, long masterPid, int serverPort,
			@Nullable Integer managementPort, int maxMessageSize, long heartbeatMillis, boolean sharedListener) {
		this(workerId, socket, token, masterPid, serverPort, managementPort, maxMessageSize, heartbeatMillis,
				sharedListener, PROTOCOL);
	}

	/** Whether the master reads store requests in their compact binary form. */
	public boolean compactStoreFrames() {
		return this.protocol >= PROTOCOL_COMPACT_STORE_FRAMES;
	}

	/** Whether the master relays queries between workers. */
	public boolean queries() {
		return this.protocol >= PROTOCOL_QUERIES;
	}

	/** Whether the master reads {@code Pulse} heartbeats. */
	public boolean pulses() {
		return this.protocol >= PROTOCOL_PULSE;
	}

	static final String PREFIX = "BOOTCLUSTER_";

	public static final String WORKER_ID = PREFIX + "WORKER_ID";

	static final String SOCKET = PREFIX + "SOCKET";

	static final String TOKEN = PREFIX + "TOKEN";

	static final String MASTER_PID = PREFIX + "MASTER_PID";

	static final String SERVER_PORT = PREFIX + "SERVER_PORT";

	static final String MANAGEMENT_PORT = PREFIX + "MANAGEMENT_PORT";

	static final String MAX_MESSAGE_SIZE = PREFIX + "MAX_MESSAGE_SIZE";

	static final String HEARTBEAT_MILLIS = PREFIX + "HEARTBEAT_MILLIS";

	static final String SHARED_LISTENER = PREFIX + "SHARED_LISTENER";

	/** Set by masters of protocol 2 only, which knew no protocol variable. */
	static final String COMPACT_STORE_FRAMES = PREFIX + "COMPACT_STORE_FRAMES";

	static final String PROTOCOL_VERSION = PREFIX + "PROTOCOL";

	/** The variables to add to a worker's environment. */
	public Map<String, String> toVariables() {
		Map<String, String> variables = new LinkedHashMap<>();
		variables.put(WORKER_ID, Integer.toString(this.workerId));
		variables.put(SOCKET, this.socket.toString());
		variables.put(TOKEN, this.token);
		variables.put(MASTER_PID, Long.toString(this.masterPid));
		variables.put(SERVER_PORT, Integer.toString(this.serverPort));
		if (this.managementPort != null) {
			variables.put(MANAGEMENT_PORT, Integer.toString(this.managementPort));
		}
		variables.put(MAX_MESSAGE_SIZE, Integer.toString(this.maxMessageSize));
		variables.put(HEARTBEAT_MILLIS, Long.toString(this.heartbeatMillis));
		variables.put(SHARED_LISTENER, Boolean.toString(this.sharedListener));
		// for workers of protocol 2, which read only this
		variables.put(COMPACT_STORE_FRAMES, Boolean.toString(compactStoreFrames()));
		variables.put(PROTOCOL_VERSION, Integer.toString(this.protocol));
		return variables;
	}

	/**
	 * Reads the variables a master set, or returns null in a process no master started.
	 */
	public static @Nullable WorkerEnvironment fromVariables(Map<String, String> env) {
		String id = env.get(WORKER_ID);
		if (id == null) {
			return null;
		}
		String management = env.get(MANAGEMENT_PORT);
		try {
			return new WorkerEnvironment(Integer.parseInt(id), Path.of(require(env, SOCKET)), require(env, TOKEN),
					Long.parseLong(require(env, MASTER_PID)), Integer.parseInt(require(env, SERVER_PORT)),
					(management != null) ? Integer.valueOf(management) : null,
					Integer.parseInt(require(env, MAX_MESSAGE_SIZE)), Long.parseLong(require(env, HEARTBEAT_MILLIS)),
					Boolean.parseBoolean(env.get(SHARED_LISTENER)), protocol(env));
		}
		catch (NumberFormatException ex) {
			throw new IllegalStateException("Malformed cluster worker environment: " + ex.getMessage(), ex);
		}
	}

	private static int protocol(Map<String, String> env) {
		String version = env.get(PROTOCOL_VERSION);
		if (version != null) {
			return Integer.parseInt(version);
		}
		return Boolean.parseBoolean(env.get(COMPACT_STORE_FRAMES)) ? PROTOCOL_COMPACT_STORE_FRAMES : PROTOCOL_FIRST;
	}

	private static String require(Map<String, String> env, String name) {
		String value = env.get(name);
		if (value == null) {
			throw new IllegalStateException(WORKER_ID + " is set but " + name + " is missing");
		}
		return value;
	}

	/**
	 * Names of all variables, to strip from the environment of anything a worker starts.
	 */
	public static boolean isClusterVariable(String name) {
		return name.startsWith(PREFIX);
	}

	@Override
	public String toString() {
		return "WorkerEnvironment[workerId=" + this.workerId + ", socket=" + this.socket + ", masterPid="
				+ this.masterPid + ", serverPort=" + this.serverPort + "]";
	}

}
