package dev.braid.store.internal.engine;

import dev.braid.store.Entry;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.ScanBatch;
import dev.braid.store.internal.btree.TreeCursor;
import dev.braid.store.internal.mergetree.Bloom;
import dev.braid.store.internal.mergetree.MergingCursor;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.SegmentCursor;
import dev.braid.store.internal.mergetree.SortedSource;
import dev.braid.store.internal.mergetree.WriteBuffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads over every layer: the write buffer, then the segments newest first, then the B+tree. The
 * newest entry of a key wins; a tombstone hides older entries (W1, S1). Runs under the store's
 * read lock.
 */
final class ReadPath {
    private final BTree tree;
    private final WriteBuffer buffer;
    private final SegmentSet segs;

    ReadPath(BTree tree, WriteBuffer buffer, SegmentSet segs) {
        this.tree = tree;
        this.buffer = buffer;
        this.segs = segs;
    }

    byte[] get(byte[] key) throws IOException {
        byte[] b = buffer.lookup(key); // a copy
        if (b != null) {
            return b == WriteBuffer.TOMBSTONE ? null : b;
        }
        b = segs.get(key);
        if (b != null) {
            return b == WriteBuffer.TOMBSTONE ? null : b.clone();
        }
        return tree.get(key);
    }

    /** The entry for {@code key} below the write buffer: segments, then the tree (TOMBSTONE-aware). */
    private boolean liveBelowBuffer(byte[] key) throws IOException {
        byte[] v = segs.get(key);
        if (v != null) {
            return v != WriteBuffer.TOMBSTONE;
        }
        return tree.get(key) != null;
    }

    /**
     * The exact number of live keys: the tree's count, plus each segment's live delta (computed
     * once, by looking up its keys below it, when not known), plus a correction for every buffered key.
     */
    long count() throws IOException {
        long n = tree.count();
        for (Segment s : segs.segments()) {
            if (!s.deltaKnown()) {
                segs.deltaComputed(s, computeDelta(s));
            }
            n += s.liveDelta();
        }
        long[] acc = {n};
        IOException[] error = {null};
        buffer.forEach((key, value) -> {
            if (error[0] != null) {
                return;
            }
            try {
                boolean below = liveBelowBuffer(key);
                boolean deleted = value == WriteBuffer.TOMBSTONE;
                acc[0] += below ? (deleted ? -1 : 0) : (deleted ? 0 : 1);
            } catch (IOException e) {
                error[0] = e;
            }
        });
        if (error[0] != null) {
            throw error[0];
        }
        return acc[0];
    }

    private long computeDelta(Segment s) throws IOException {
        long d = 0;
        SegmentCursor c = s.cursor(false);
        for (c.seekForward(null, true); c.valid(); c.next()) {
            byte[] key = c.key();
            byte[] below = segs.getBelow(s, key, Bloom.hash(key));
            boolean liveBelow = below != null ? below != WriteBuffer.TOMBSTONE : tree.get(key) != null;
            boolean live = !c.isTombstone();
            d += (live ? 1 : 0) - (liveBelow ? 1 : 0);
        }
        return d;
    }

    /**
     * One iterator batch: the tree's batch merged with the write buffer's and the segments' entries
     * over the same stretch of keys (newest wins, deletes hide). The stretch ends where the tree's
     * batch ends (or at the range end), or earlier when the newer layers alone fill the batch; the
     * next batch resumes after it.
     */
    ScanBatch scan(byte[] from, boolean fromInc, byte[] to, boolean toInc, boolean reverse, byte[] after,
            int maxEntries, long maxBytes) throws IOException {
        ScanBatch t = new TreeCursor(tree).scan(from, fromInc, to, toInc, reverse, after, maxEntries, maxBytes);
        List<Segment> segments = segs.segments();
        if (buffer.isEmpty() && segments.isEmpty()) {
            return t;
        }
        // The stretch the tree batch covers, in walk direction: (start, stop].
        byte[] stop = t.endReached() ? (reverse ? from : to) : t.resumeKey();
        boolean stopInc = t.endReached() ? (reverse ? fromInc : toInc) : true;
        List<SortedSource> sources = new ArrayList<>(segments.size() + 2);
        if (!buffer.isEmpty()) {
            WriteBuffer.Sorted sorted = buffer.sorted();
            int[] span = stretch(sorted, from, fromInc, to, toInc, reverse, after, stop, stopInc);
            sources.add(reverse ? SortedSource.of(sorted.keys(), sorted.values(), span[1] - 1, span[0] - 1)
                    : SortedSource.of(sorted.keys(), sorted.values(), span[0], span[1]));
        }
        for (Segment s : segments) {
            SegmentCursor c = s.cursor(true);
            if (!reverse) {
                c.seekForward(after != null ? after : from, after == null && fromInc);
            } else {
                c.seekBackward(after != null ? after : to, after == null && toInc);
            }
            sources.add(SortedSource.of(c, reverse));
        }
        sources.add(entries(t.entries()));
        MergingCursor m = new MergingCursor(sources, reverse);
        List<Entry> out = new ArrayList<>(t.entries().size() + 16);
        int taken = 0;
        long bytes = 0;
        byte[] resume = null;
        for (; m.valid(); m.next()) {
            byte[] k = m.key();
            if (stop != null) {
                int c = Arrays.compareUnsigned(k, stop);
                c = reverse ? -c : c;
                if (c > 0 || (c == 0 && !stopInc)) {
                    break;
                }
            }
            if (taken >= maxEntries || bytes >= maxBytes) {
                return new ScanBatch(out, false, resume); // the newer layers alone filled the batch
            }
            resume = k;
            taken++;
            byte[] v = m.value();
            if (v != WriteBuffer.TOMBSTONE) {
                out.add(new Entry(k, v));
                bytes += k.length + v.length;
            }
        }
        return new ScanBatch(out, t.endReached(), t.endReached() ? null : t.resumeKey());
    }

    private static SortedSource entries(List<Entry> list) {
        return new SortedSource() {
            int i;

            @Override
            public boolean valid() {
                return i < list.size();
            }

            @Override
            public byte[] key() {
                return list.get(i).key();
            }

            @Override
            public byte[] value() {
                return list.get(i).value();
            }

            @Override
            public void next() {
                i++;
            }
        };
    }
    /**
     * The index range {@code [lo, hi)} of the buffer's keys after {@code after} (or from the
     * range's own start) up to {@code stop}, in key order.
     */
    private static int[] stretch(WriteBuffer.Sorted s, byte[] from, boolean fromInc, byte[] to, boolean toInc,
            boolean reverse, byte[] after, byte[] stop, boolean stopInc) {
        byte[] lo;
        boolean loInc;
        byte[] hi;
        boolean hiInc;
        if (!reverse) {
            lo = after != null ? after : from;
            loInc = after == null && fromInc;
            hi = stop;
            hiInc = stopInc;
        } else {
            hi = after != null ? after : to;
            hiInc = after == null && toInc;
            lo = stop;
            loInc = stopInc;
        }
        int a = lo == null ? 0 : s.lowerBound(lo, loInc);
        int b = hi == null ? s.keys().length : s.lowerBound(hi, !hiInc);
        return new int[] {a, Math.max(a, b)};
    }
}
