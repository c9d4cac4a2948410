package dev.braid.store.internal.engine;

import dev.braid.store.Entry;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.ScanBatch;
import dev.braid.store.internal.btree.TreeCursor;
import dev.braid.store.internal.mergetree.WriteBuffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

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
        long n = tree.count();
        for (Map.Entry<byte[], byte[]> e : buffer.entries().entrySet()) {
            boolean inTree = tree.get(e.getKey()) != null;
            boolean deleted = e.getValue() == WriteBuffer.TOMBSTONE;
            n += inTree ? (deleted ? -1 : 0) : (deleted ? 0 : 1);
        }
        return n;
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
        NavigableMap<byte[], byte[]> view = stretch(from, fromInc, to, toInc, reverse, after, stop, stopInc);
        List<Entry> out = new ArrayList<>(t.entries().size() + 16);
        Iterator<Entry> ti = t.entries().iterator();
        Iterator<Map.Entry<byte[], byte[]>> bi = view.entrySet().iterator();
        Entry te = ti.hasNext() ? ti.next() : null;
        Map.Entry<byte[], byte[]> be = bi.hasNext() ? bi.next() : null;
        int taken = 0;
        byte[] resume = null;
        boolean capped = false;
        long bytes = 0;
        while (te != null || be != null) {
            if (be != null && (taken >= maxEntries || bytes >= maxBytes)) {
                capped = true; // the buffer alone filled the batch: stop before its next key
                break;
            }
            int c = te == null ? 1 : be == null ? -1 : Arrays.compareUnsigned(te.key(), be.getKey());
            if (reverse) {
                c = -c;
            }
            if (c < 0) {
                out.add(te);
                bytes += te.key().length + te.value().length;
                resume = te.key();
                te = ti.hasNext() ? ti.next() : null;
                continue;
            }
            byte[] v = be.getValue();
            resume = be.getKey();
            if (v != WriteBuffer.TOMBSTONE) {
                out.add(new Entry(be.getKey(), v.clone()));
                bytes += be.getKey().length + v.length;
            }
            taken++;
            if (c == 0) {
                te = ti.hasNext() ? ti.next() : null;
            }
            be = bi.hasNext() ? bi.next() : null;
        }
        if (capped) {
            return new ScanBatch(out, false, resume);
        }
        return new ScanBatch(out, t.endReached(), t.endReached() ? null : t.resumeKey());
    }

    /** The buffer's keys after {@code after} (or from the range's own start) up to {@code stop}. */
    private NavigableMap<byte[], byte[]> stretch(byte[] from, boolean fromInc, byte[] to, boolean toInc,
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
        NavigableMap<byte[], byte[]> m = buffer.entries();
        if (lo != null && hi != null) {
            int c = Arrays.compareUnsigned(lo, hi);
            if (c > 0 || (c == 0 && !(loInc && hiInc))) {
                return Collections.emptyNavigableMap();
            }
            m = m.subMap(lo, loInc, hi, hiInc);
        } else if (lo != null) {
            m = m.tailMap(lo, loInc);
        } else if (hi != null) {
            m = m.headMap(hi, hiInc);
        }
        return reverse ? m.descendingMap() : m;
    }
}
