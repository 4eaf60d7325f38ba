package dev.bootcluster.sample.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady HTTP/1.1 load with no retries, over raw sockets so that nothing hides a
 * failure: some threads open a fresh connection per request, others keep connections
 * alive (and reconnect only when a response says {@code Connection: close}). Failed = any
 * I/O error or non-2xx status.
 */
final class LoadClient implements AutoCloseable {

	private final int port;

	private final String path;

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final AtomicLong succeeded = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

	private final List<Thread> threads = new ArrayList<>();

	LoadClient(int port, String path, int freshThreads, int keepAliveThreads) {
		this.port = port;
		this.path = path;
		for (int i = 0; i < freshThreads; i++) {
			this.threads.add(start("load-fresh-" + i, false));
		}
		for (int i = 0; i < keepAliveThreads; i++) {
			this.threads.add(start("load-keepalive-" + i, true));
		}
	}

	private Thread start(String name, boolean keepAlive) {
		Thread thread = new Thread(() -> run(keepAlive), name);
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

	long succeeded() {
		return this.succeeded.get();
	}

	long failed() {
		return this.failed.get();
	}

	List<String> failures() {
		return List.copyOf(this.failures);
	}

	private void run(boolean keepAlive) {
		Socket socket = null;
		while (this.running.get()) {
			try {
				if (socket == null) {
					socket = new Socket();
					socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
					socket.setSoTimeout(30_000);
				}
				boolean close = exchange(socket, keepAlive);
				this.succeeded.incrementAndGet();
				if (close || !keepAlive) {
					socket.close();
					socket = null;
				}
			}
			catch (IOException | RuntimeException ex) {
				if (this.running.get()) {
					this.failed.incrementAndGet();
					this.failures.add((keepAlive ? "keep-alive: " : "fresh: ") + ex);
				}
				closeQuietly(socket);
				socket = null;
			}
		}
		closeQuietly(socket);
	}

	/** One request; returns whether the server asked to close the connection. */
	private boolean exchange(Socket socket, boolean keepAlive) throws IOException {
		OutputStream out = socket.getOutputStream();
		out.write(("GET " + this.path + " HTTP/1.1\r\nHost: localhost\r\n" + (keepAlive ? "" : "Connection: close\r\n")
				+ "\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		out.flush();
		InputStream in = new BufferedInputStream(socket.getInputStream());
		String status = line(in);
		if (status == null) {
			throw new IOException("connection closed before a response (empty reply)");
		}
		String[] parts = status.split(" ", 3);
		if (parts.length < 2 || !parts[1].startsWith("2")) {
			throw new IOException("status: " + status);
		}
		long length = -1;
		boolean chunked = false;
		boolean close = false;
		String header;
		while ((header = line(in)) != null && !header.isEmpty()) {
			String lower = header.toLowerCase(Locale.ROOT);
			if (lower.startsWith("content-length:")) {
				length = Long.parseLong(lower.substring(15).trim());
			}
			else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
				chunked = true;
			}
			else if (lower.startsWith("connection:") && lower.contains("close")) {
				close = true;
			}
		}
		if (header == null) {
			throw new IOException("connection closed in the headers");
		}
		if (chunked) {
			long size;
			do {
				String sizeLine = line(in);
				if (sizeLine == null) {
					throw new IOException("connection closed in a chunked body");
				}
				size = Long.parseLong(sizeLine.trim(), 16);
				skip(in, size);
				line(in);
			}
			while (size > 0);
		}
		else if (length >= 0) {
			skip(in, length);
		}
		else {
			in.readAllBytes();
			close = true;
		}
		return close;
	}

	private static void skip(InputStream in, long bytes) throws IOException {
		long left = bytes;
		while (left > 0) {
			int read = in.read();
			if (read < 0) {
				throw new IOException("connection closed in the body");
			}
			left--;
		}
	}

	private static String line(InputStream in) throws IOException {
		ByteArrayOutputStream buffer = new ByteArrayOutputStream();
		int read;
		while ((read = in.read()) >= 0) {
			if (read == '\n') {
				String text = buffer.toString(StandardCharsets.US_ASCII);
				return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
			}
			buffer.write(read);
		}
		return (buffer.size() > 0) ? buffer.toString(StandardCharsets.US_ASCII) : null;
	}

	private static void closeQuietly(Socket socket) {
		if (socket != null) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// closing
			}
		}
	}

	@Override
	public void close() throws InterruptedException {
		this.running.set(false);
		for (Thread thread : this.threads) {
			thread.join(35_000);
		}
	}

}
