package dev.braid.store.internal.engine;

import dev.braid.store.Entry;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.ScanBatch;
import dev.braid.store.internal.btree.TreeCursor;
import dev.braid.store.internal.mergetree.WriteBuffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Reads over both structures: the write buffer (newer) over the B+tree. A key in the buffer wins;
 * a tombstone there hides the tree's entry (W1). Runs under the store's read lock.
 */
final class ReadPath {
    private final BTree tree;
    private final WriteBuffer buffer;

    ReadPath(BTree tree, WriteBuffer buffer) {
        this.tree = tree;
        this.buffer = buffer;
    }

    byte[] get(byte[] key) throws IOException {
        byte[] b = buffer.lookup(key);
        if (b != null) {
            return b == WriteBuffer.TOMBSTONE ? null : b.clone();
        }
        return tree.get(key);
    }

    /** The exact number of live keys: the tree's count corrected for every buffered key. */
    long count() throws IOException {
        long[] n = {tree.count()};
        IOException[] error = {null};
        buffer.forEach((key, value) -> {
            if (error[0] != null) {
                return;
            }
            try {
                boolean inTree = tree.get(key) != null;
                boolean deleted = value == WriteBuffer.TOMBSTONE;
                n[0] += inTree ? (deleted ? -1 : 0) : (deleted ? 0 : 1);
            } catch (IOException e) {
                error[0] = e;
            }
        });
        if (error[0] != null) {
            throw error[0];
        }
        return n[0];
    }

    /**
     * One iterator batch: the tree's batch merged with the buffer's entries over the same stretch of
     * keys. The stretch ends where the tree's batch ends (or at the range end), or earlier when the
     * buffer alone fills the batch; the next batch resumes after it.
     */
    ScanBatch scan(byte[] from, boolean fromInc, byte[] to, boolean toInc, boolean reverse, byte[] after,
            int maxEntries, long maxBytes) throws IOException {
        ScanBatch t = new TreeCursor(tree).scan(from, fromInc, to, toInc, reverse, after, maxEntries, maxBytes);
        if (buffer.isEmpty()) {
            return t;
        }
        // The stretch the tree batch covers, in walk direction: (start, stop].
        byte[] stop = t.endReached() ? (reverse ? from : to) : t.resumeKey();
        boolean stopInc = t.endReached() ? (reverse ? fromInc : toInc) : true;
        WriteBuffer.Sorted sorted = buffer.sorted();
        int[] span = stretch(sorted, from, fromInc, to, toInc, reverse, after, stop, stopInc);
        int step = reverse ? -1 : 1;
        int bi = reverse ? span[1] - 1 : span[0];
        int bEnd = reverse ? span[0] - 1 : span[1];
        List<Entry> out = new ArrayList<>(t.entries().size() + 16);
        Iterator<Entry> ti = t.entries().iterator();
        Entry te = ti.hasNext() ? ti.next() : null;
        boolean haveB = bi != bEnd;
        int taken = 0;
        byte[] resume = null;
        boolean capped = false;
        long bytes = 0;
        while (te != null || haveB) {
            if (haveB && (taken >= maxEntries || bytes >= maxBytes)) {
                capped = true; // the buffer alone filled the batch: stop before its next key
                break;
            }
            byte[] bk = haveB ? sorted.keys()[bi] : null;
            int c; // < 0: the tree's entry comes first in walk order
            if (te == null) {
                c = 1;
            } else if (!haveB) {
                c = -1;
            } else {
                c = Arrays.compareUnsigned(te.key(), bk);
                c = reverse ? -c : c;
            }
            if (c < 0) {
                out.add(te);
                bytes += te.key().length + te.value().length;
                resume = te.key();
                te = ti.hasNext() ? ti.next() : null;
                continue;
            }
            byte[] v = sorted.values()[bi];
            resume = bk;
            if (v != WriteBuffer.TOMBSTONE) {
                out.add(new Entry(bk, v.clone()));
                bytes += bk.length + v.length;
            }
            taken++;
            if (c == 0) {
                te = ti.hasNext() ? ti.next() : null;
            }
            bi += step;
            haveB = bi != bEnd;
        }
        if (capped) {
            return new ScanBatch(out, false, resume);
        }
        return new ScanBatch(out, t.endReached(), t.endReached() ? null : t.resumeKey());
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
