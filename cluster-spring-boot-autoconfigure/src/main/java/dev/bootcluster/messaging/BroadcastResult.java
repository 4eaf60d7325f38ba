package dev.bootcluster.messaging;

/**
 * How a broadcast went.
 *
 * @param acknowledged ready workers that received it (each runs its listeners on its
 * delivery thread, in the order messages arrived; a listener may broadcast in turn)
 * @param targets ready workers it was addressed to (workers still starting get it too,
 * before they report READY, and are not counted)
 */
public record BroadcastResult(int acknowledged, int targets) {

	/** Whether every ready worker acknowledged it. */
	public boolean complete() {
		return this.acknowledged == this.targets;
	}

}
