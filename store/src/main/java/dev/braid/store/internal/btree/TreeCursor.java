package dev.braid.store.internal.btree;

import dev.braid.store.Entry;
import dev.braid.store.internal.page.Page;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one batch of a key range, forward or backward, starting strictly after a given key (or at
 * the range's own bound). Holds the path from the root as a stack, so it needs no sibling links.
 * A cursor lives for one batch under the store's read lock; iterators resume with a new one.
 */
public final class TreeCursor {
    private final BTree tree;
    private final InternalNode[] stack = new InternalNode[BTree.MAX_DEPTH];
    private final int[] idx = new int[BTree.MAX_DEPTH];
    private int depth;
    private LeafNode leaf;
    private int pos;
    private ValuePrefetch prefetch; // values on pages of their own, read a leaf's worth at a time

    public TreeCursor(BTree tree) {
        this.tree = tree;
    }

    private byte[] value(int step, int entries, long bytes, byte[] bound, boolean inclusive) throws IOException {
        if (prefetch == null) {
            prefetch = new ValuePrefetch(tree.blobs);
        }
        return prefetch.value(leaf, pos, step, entries, bytes, bound, inclusive);
    }

    /**
     * Up to {@code maxEntries} entries (fewer if {@code maxBytes} is reached) of the range
     * {@code [from, to]} (bounds nullable, inclusive as flagged), strictly after {@code after} in
     * the walk's direction when {@code after} is not null.
     */
    public ScanBatch scan(byte[] from, boolean fromInc, byte[] to, boolean toInc, boolean reverse, byte[] after,
            int maxEntries, long maxBytes) throws IOException {
        List<Entry> out = new ArrayList<>(Math.min(maxEntries, 64));
        long bytes = 0;
        if (!reverse) {
            byte[] start = after != null ? after : from;
            boolean inclusive = after == null && fromInc;
            seekForward(start, inclusive);
            while (true) {
                if (!normalizeForward()) {
                    return new ScanBatch(out, true, null);
                }
                byte[] key = leaf.key(pos);
                if (to != null) {
                    int c = Arrays.compareUnsigned(key, to);
                    if (c > 0 || (c == 0 && !toInc)) {
                        return new ScanBatch(out, true, null);
                    }
                }
                byte[] value = value(1, maxEntries - out.size(), maxBytes - bytes, to, toInc);
                out.add(new Entry(key, value));
                bytes += key.length + value.length;
                pos++;
                if (out.size() >= maxEntries || bytes >= maxBytes) {
                    return new ScanBatch(out, false, out.get(out.size() - 1).key());
                }
            }
        }
        byte[] start = after != null ? after : to;
        boolean inclusive = after == null && toInc;
        seekBackward(start, inclusive);
        while (true) {
            if (!normalizeBackward()) {
                return new ScanBatch(out, true, null);
            }
            byte[] key = leaf.key(pos);
            if (from != null) {
                int c = Arrays.compareUnsigned(key, from);
                if (c < 0 || (c == 0 && !fromInc)) {
                    return new ScanBatch(out, true, null);
                }
            }
            byte[] value = value(-1, maxEntries - out.size(), maxBytes - bytes, from, fromInc);
            out.add(new Entry(key, value));
            bytes += key.length + value.length;
            pos--;
            if (out.size() >= maxEntries || bytes >= maxBytes) {
                return new ScanBatch(out, false, out.get(out.size() - 1).key());
            }
        }
    }

    private void seekForward(byte[] key, boolean inclusive) throws IOException {
        descend(key, false);
        if (key == null) {
            pos = 0;
            return;
        }
        int s = leaf.search(key);
        pos = s >= 0 ? (inclusive ? s : s + 1) : -(s + 1);
    }

    private void seekBackward(byte[] key, boolean inclusive) throws IOException {
        descend(key, true);
        if (key == null) {
            pos = leaf.n - 1;
            return;
        }
        int s = leaf.search(key);
        pos = s >= 0 ? (inclusive ? s : s - 1) : -(s + 1) - 1;
    }

    /** Descends to the leaf of {@code key}; a null key means the left (or right) edge. */
    private void descend(byte[] key, boolean rightEdge) throws IOException {
        depth = 0;
        Page p = tree.node(tree.root, tree.rootCrc);
        while (p instanceof InternalNode in) {
            if (depth == BTree.MAX_DEPTH - 1) {
                throw tree.pager.io().corrupt(in.pageNo(), "tree deeper than " + BTree.MAX_DEPTH + " levels");
            }
            int i = key != null ? in.childIndex(key) : (rightEdge ? in.n : 0);
            stack[depth] = in;
            idx[depth] = i;
            depth++;
            p = tree.node(in.children[i], in.childCrcs[i]);
        }
        leaf = (LeafNode) p;
    }

    /** Moves past exhausted leaves to the right; false at the end of the tree. */
    private boolean normalizeForward() throws IOException {
        while (pos >= leaf.n) {
            int d = depth - 1;
            while (d >= 0 && idx[d] == stack[d].n) {
                d--;
            }
            if (d < 0) {
                return false;
            }
            idx[d]++;
            depth = d + 1;
            Page p = tree.node(stack[d].children[idx[d]], stack[d].childCrcs[idx[d]]);
            while (p instanceof InternalNode in) {
                stack[depth] = in;
                idx[depth] = 0;
                depth++;
                p = tree.node(in.children[0], in.childCrcs[0]);
            }
            leaf = (LeafNode) p;
            pos = 0;
        }
        return true;
    }

    /** Moves past exhausted leaves to the left; false at the start of the tree. */
    private boolean normalizeBackward() throws IOException {
        while (pos < 0) {
            int d = depth - 1;
            while (d >= 0 && idx[d] == 0) {
                d--;
            }
            if (d < 0) {
                return false;
            }
            idx[d]--;
            depth = d + 1;
            Page p = tree.node(stack[d].children[idx[d]], stack[d].childCrcs[idx[d]]);
            while (p instanceof InternalNode in) {
                stack[depth] = in;
                idx[depth] = in.n;
                depth++;
                p = tree.node(in.children[in.n], in.childCrcs[in.n]);
            }
            leaf = (LeafNode) p;
            pos = leaf.n - 1;
        }
        return true;
    }
}
