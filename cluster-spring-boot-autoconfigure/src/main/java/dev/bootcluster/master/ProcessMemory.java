package dev.bootcluster.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's resident memory, read from {@code /proc/<pid>/status} ({@code VmRSS}); -1
 * where there is no such file (not Linux, or the process is gone).
 */
final class ProcessMemory {

	private ProcessMemory() {
	}

	static long rssBytes(long pid) {
		if (pid <= 0) {
			return -1;
		}
		try {
			return parseRss(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	/** The host's {@code MemAvailable} ({@code /proc/meminfo}), in bytes, or -1. */
	static long availableBytes() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
				if (line.startsWith("MemAvailable:")) {
					String[] fields = line.substring("MemAvailable:".length()).trim().split("\\s+");
					return Long.parseLong(fields[0]) * 1024;
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			// not Linux
		}
		return -1;
	}

	/** {@code VmRSS: 262144 kB} in a status file, in bytes, or -1. */
	static long parseRss(String status) {
		for (String line : status.split("\n")) {
			if (line.startsWith("VmRSS:")) {
				String[] fields = line.substring("VmRSS:".length()).trim().split("\\s+");
				long value = Long.parseLong(fields[0]);
				return (fields.length > 1 && fields[1].equalsIgnoreCase("kB")) ? value * 1024 : value;
			}
		}
		return -1;
	}

}
