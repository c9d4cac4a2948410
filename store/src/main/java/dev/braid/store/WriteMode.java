package dev.braid.store;

/**
 * Where a store's B+tree writes ({@link Braid#put}, {@link Braid#delete} and their batch forms) go.
 * Blind writes ({@link Braid#blindPut}) always go to the merge-tree; reads see the same data in
 * either mode.
 */
public enum WriteMode {
    /**
     * Into the B+tree (the default), except a key the merge-tree still holds (the shadowing rule).
     * Each write changes a leaf in the page cache; a commit logs every changed page. Best when the
     * writes between commits fall on few pages (a working set that fits the cache, keys with
     * locality) and for reads, which find everything in one structure.
     */
    TREE,
    /**
     * Through the merge-tree, as logged blind writes: into the write buffer, flushed as sorted
     * segments (at a commit, unless a few keys go into the tree more cheaply), merged and folded into
     * the tree in the background. For updates scattered over a store much larger than what changes
     * between commits: a commit then writes the changed records once, not every page they touch
     * (measured: 10M records of 100 B, 1M random puts, 3 GiB budget: 613k puts/s against 51k/s in
     * {@link #TREE} mode; sustained, while merges run: 228k/s). Point reads check the buffer and
     * each segment's bloom filter before the tree. Not for values of a page or more: every merge
     * and the fold copy them again (1M records of 4 KiB: puts no faster than in tree mode, and
     * reads slowed while the merges catch up).
     */
    MERGE_TREE
}
