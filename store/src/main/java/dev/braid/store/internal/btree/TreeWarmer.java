package dev.braid.store.internal.btree;

import dev.braid.store.internal.page.Page;
import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a tree that a build has just installed into the page cache while the cache has room for it,
 * in key order, a slice of leaves at a time: the reads and updates after a restore then find their
 * leaves decoded, without the build paying for it (a copy and a decode of every leaf, and the
 * garbage collector promoting them, were about a second of a 10M-record restore's finish).
 *
 * <p>Each slice is a reader like any other (the caller holds the store's read lock): it descends
 * from the current root to the first key it has not warmed and reads the leaves after it under the
 * same bottom node, each verified against the checksum its parent holds ({@link Pager#warm}). A
 * write between slices changes nothing about that; a page freed and reused meanwhile is never
 * cached under a stale image, since nothing is kept from one slice to the next but a key. The
 * warm-up starts over when another build is installed ({@link BTree#installs}) and ends at the
 * tree's end or at the first page the cache has no room for (it never evicts). One thread.
 */
public final class TreeWarmer {
    private static final Logger LOG = LoggerFactory.getLogger(TreeWarmer.class);
    private static final byte[] FIRST = new byte[0];
    private final BTree tree;
    private final Pager pager;
    private int seenInstalls;
    private volatile byte[] next; // the first key of the next slice; null when there is nothing to do
    private volatile long warmedPages; // written by the warming thread only

    /** Nothing to do until the tree's next install: a store just opened is not read in whole. */
    public TreeWarmer(BTree tree, Pager pager) {
        this.tree = tree;
        this.pager = pager;
        this.seenInstalls = tree.installs();
    }

    /** Whether a warm-up is due or under way (a build was installed and the warm-up has not ended). */
    public boolean pending() {
        return next != null || tree.installs() != seenInstalls;
    }

    /** Leaves the warm-up found in the cache or read into it so far. */
    public long warmedPages() {
        return warmedPages;
    }

    /**
     * Warms up to {@code maxLeaves} leaves under {@code readLock} (the store's); returns whether it
     * did any work (false: nothing to do). A failed read ends the warm-up with a warning and nothing
     * else: the reads that need the page will report it.
     */
    public boolean slice(Lock readLock, int maxLeaves) {
        if (!pending()) {
            return false;
        }
        readLock.lock();
        try {
            int installs = tree.installs();
            if (installs != seenInstalls) {
                seenInstalls = installs;
                next = FIRST;
            }
            next = warmFrom(next, maxLeaves);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cache warm-up stopped: {}", e.toString());
            next = null;
        } finally {
            readLock.unlock();
        }
        return true;
    }

    /** Warms the leaves from the one holding {@code key}; returns the key to go on from, or null. */
    private byte[] warmFrom(byte[] key, int maxLeaves) throws IOException {
        Page p = pager.warm(tree.root(), tree.rootCrc());
        byte[] upper = null; // the exclusive upper bound of the keys under p (null: none)
        InternalNode bottom = null; // p's parent
        byte[] bottomUpper = null;
        int index = 0;
        int depth = 0;
        while (p instanceof InternalNode in) {
            if (++depth > BTree.MAX_DEPTH) {
                throw pager.io().corrupt(in.pageNo(), "tree deeper than " + BTree.MAX_DEPTH + " levels");
            }
            int i = in.childIndex(key);
            bottom = in;
            bottomUpper = upper;
            index = i;
            upper = i < in.n ? in.keys[i] : upper;
            p = pager.warm(in.children[i], in.childCrcs[i]);
        }
        if (p == null) {
            return null; // the cache is full
        }
        warmedPages++;
        if (bottom == null) {
            return null; // a single leaf
        }
        int end = Math.min(bottom.n + 1, index + maxLeaves);
        int got = pager.warmAll(bottom.children, bottom.childCrcs, index + 1, end);
        if (got < 0) {
            return null; // the cache is full
        }
        warmedPages += got;
        if (end <= bottom.n) {
            return bottom.keys[end - 1]; // the lowest key of child end
        }
        return bottomUpper; // the next bottom node's range starts there (null: the tree's end)
    }
}
