package dev.braid.store;

/**
 * When commits reach stable storage. Both modes survive a process crash (kill -9) exactly at the
 * last commit; they differ only on power loss or a kernel crash.
 */
public enum Durability {
    /** fsync of the log at every commit: a commit that returned survives power loss. */
    FULL,
    /**
     * fsync only at checkpoints: after power loss the store may come back at an earlier commit,
     * with that commit's metadata, never at a state in between two commits.
     */
    NORMAL
}
