package dev.braid.store.internal.mergetree;

import java.io.IOException;

/**
 * A position in a segment, moving forward or backward over its entries (tombstones included). Keeps
 * the path of blocks from the root, so a step costs a block read only when it leaves a data block.
 * One thread; valid while the segment is in the store.
 */
public final class SegmentCursor {
    private static final int MAX_DEPTH = 64;

    private final Segment segment;
    private final boolean cached;
    private final SegmentBlock[] path = new SegmentBlock[MAX_DEPTH];
    private final int[] idx = new int[MAX_DEPTH];
    private int leaf = -1; // depth of the data block; -1 when not positioned
    private boolean valid;

    private final ReadAhead ahead;
    private final ReadAhead valueAhead; // value pages, which lie in runs of their own, in key order

    SegmentCursor(Segment segment, boolean cached, ReadAhead ahead, ReadAhead valueAhead) {
        this.segment = segment;
        this.cached = cached;
        this.ahead = ahead;
        this.valueAhead = valueAhead;
    }

    /** Positions at the first entry at or after {@code key} (after it when not inclusive); null = first entry. */
    public void seekForward(byte[] key, boolean inclusive) throws IOException {
        descend(key, false);
        if (key == null) {
            idx[leaf] = 0;
        } else {
            int i = path[leaf].search(key);
            idx[leaf] = i >= 0 ? (inclusive ? i : i + 1) : -i - 1;
        }
        valid = true;
        normalizeForward();
    }

    /** Positions at the last entry at or before {@code key} (before it when not inclusive); null = last entry. */
    public void seekBackward(byte[] key, boolean inclusive) throws IOException {
        descend(key, key == null);
        if (key == null) {
            idx[leaf] = path[leaf].n - 1;
        } else {
            int i = path[leaf].search(key);
            idx[leaf] = i >= 0 ? (inclusive ? i : i - 1) : -i - 2;
        }
        valid = true;
        normalizeBackward();
    }

    private void descend(byte[] key, boolean rightEdge) throws IOException {
        SegmentBlock b = segment.root(cached);
        int d = 0;
        while (!b.isData()) {
            if (d >= MAX_DEPTH - 1) {
                throw new IllegalStateException("segment index too deep");
            }
            int i = key == null ? (rightEdge ? b.n - 1 : 0) : b.childFor(key);
            path[d] = b;
            idx[d] = i;
            b = segment.child(b, i, cached, ahead);
            d++;
        }
        path[d] = b;
        leaf = d;
    }

    private void normalizeForward() throws IOException {
        while (idx[leaf] >= path[leaf].n) {
            int u = leaf - 1;
            while (u >= 0 && idx[u] + 1 >= path[u].n) {
                u--;
            }
            if (u < 0) {
                valid = false;
                return;
            }
            idx[u]++;
            for (int d = u; d < leaf; d++) {
                path[d + 1] = segment.child(path[d], idx[d], cached, ahead);
                idx[d + 1] = 0;
            }
        }
    }

    private void normalizeBackward() throws IOException {
        while (idx[leaf] < 0) {
            int u = leaf - 1;
            while (u >= 0 && idx[u] - 1 < 0) {
                u--;
            }
            if (u < 0) {
                valid = false;
                return;
            }
            idx[u]--;
            for (int d = u; d < leaf; d++) {
                path[d + 1] = segment.child(path[d], idx[d], cached, ahead);
                idx[d + 1] = path[d + 1].n - 1;
            }
        }
    }

    public boolean valid() {
        return valid;
    }

    public byte[] key() {
        return path[leaf].key(idx[leaf]);
    }

    /** The value (read from its own page if it has one), or {@link WriteBuffer#TOMBSTONE} for a delete. */
    public byte[] value() throws IOException {
        return segment.value(path[leaf], idx[leaf], cached, valueAhead);
    }

    public boolean isTombstone() {
        return path[leaf].isTombstone(idx[leaf]);
    }

    /**
     * Hands the live entry to {@code to} with {@code key} and its value as a slice of the block (no
     * copy); a value on a page of its own goes to a {@link SortedSource.RefSink} as that page, to any
     * other sink read from it.
     */
    public void entryTo(byte[] key, SortedSource.EntrySink to) throws IOException {
        SegmentBlock b = path[leaf];
        int i = idx[leaf];
        if (!b.isRef(i)) {
            b.entryTo(i, key, to);
        } else if (to instanceof SortedSource.RefSink r) {
            r.addRef(key, b.refPage(i), b.refCrc(i), b.valueLength(i));
        } else {
            byte[] v = value();
            to.add(key, 0, key.length, v, 0, v.length);
        }
    }

    public void next() throws IOException {
        idx[leaf]++;
        normalizeForward();
    }

    public void prev() throws IOException {
        idx[leaf]--;
        normalizeBackward();
    }
}
