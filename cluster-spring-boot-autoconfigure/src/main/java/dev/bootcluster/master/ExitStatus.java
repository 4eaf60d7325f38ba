package dev.bootcluster.master;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.bootcluster.WorkerExit;

/**
 * Words for a process's exit status, for the master's log: a JVM that a signal ended
 * reports 128 + the signal number (Linux numbering), and a worker that cannot run as a
 * cluster worker exits {@link WorkerExit#MISCONFIGURED}. Pure.
 */
public final class ExitStatus {

	/** Signal names by number, as on Linux (x86 and ARM); index 0 is unused. */
	private static final List<String> SIGNALS = List.of("", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
			"SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
			"SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
			"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS");

	/**
	 * The highest signal number (SIGRTMAX on Linux): 128 + more is an ordinary status.
	 */
	private static final int MAX_SIGNAL = 64;

	private ExitStatus() {
	}

	/**
	 * What an exit status means: {@code exited normally} (0), {@code stopped by SIGTERM}
	 * (143), {@code stopped by SIGINT} (130), {@code killed (SIGKILL)} (137),
	 * {@code killed by signal n
	 * (SIGxxx)} (other 128 + n, the name where known), {@code misconfigured (EX_CONFIG)}
	 * (78), else {@code exit status n}.
	 */
	public static String describe(int status) {
		if (status == 0) {
			return "exited normally";
		}
		if (status == WorkerExit.MISCONFIGURED) {
			return "misconfigured (EX_CONFIG)";
		}
		int signal = signalNumber(status);
		if (signal == 15 || signal == 2) {
			return "stopped by " + SIGNALS.get(signal);
		}
		if (signal == 9) {
			return "killed (SIGKILL)";
		}
		if (signal > 0) {
			String name = signalName(signal);
			return "killed by signal " + signal + ((name != null) ? " (" + name + ")" : "");
		}
		return "exit status " + status;
	}

	/**
	 * {@link #describe} with the number, for a log line:
	 * {@code killed (SIGKILL), exit 137}, or {@code exit status 1} where the description
	 * is the number already.
	 */
	public static String explain(int status) {
		String description = describe(status);
		return description.equals("exit status " + status) ? description : description + ", exit " + status;
	}

	/**
	 * Whether a worker the master stopped ended the way a graceful stop ends: 0 (a
	 * drained worker exits by itself), or SIGTERM or SIGINT, whose handlers run Boot's
	 * graceful shutdown.
	 */
	public static boolean isGraceful(int status) {
		return status == 0 || status == 128 + 15 || status == 128 + 2;
	}

	/**
	 * The signal that ended a process with this status ({@code SIGTERM} for 143), or
	 * null.
	 */
	public static @Nullable String signal(int status) {
		int signal = signalNumber(status);
		return (signal > 0) ? signalName(signal) : null;
	}

	/** The signal number in a 128 + n status, or 0. */
	private static int signalNumber(int status) {
		int signal = status - 128;
		return (signal >= 1 && signal <= MAX_SIGNAL) ? signal : 0;
	}

	private static @Nullable String signalName(int signal) {
		return (signal < SIGNALS.size()) ? SIGNALS.get(signal) : null;
	}

}
