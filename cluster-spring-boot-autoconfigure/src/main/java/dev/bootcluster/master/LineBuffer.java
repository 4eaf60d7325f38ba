package dev.bootcluster.master;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The last lines a worker slot logged, kept for failure reports.
 */
final class LineBuffer {

	private final int capacity;

	private final Deque<String> lines;

	LineBuffer(int capacity) {
		this.capacity = capacity;
		this.lines = new ArrayDeque<>(capacity);
	}

	synchronized void add(String line) {
		if (this.lines.size() == this.capacity) {
			this.lines.removeFirst();
		}
		this.lines.addLast(line);
	}

	synchronized List<String> lines() {
		return new ArrayList<>(this.lines);
	}

}
