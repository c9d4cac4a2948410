package dev.braid.store.internal.engine;

import dev.braid.store.Entry;
import dev.braid.store.KeyRange;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.ScanBatch;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.SegmentCursor;
import dev.braid.store.internal.mergetree.WriteBuffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code Braid.deleteRange}: the tree drops the range with {@link BTree#deleteRange} (leaves wholly
 * inside are freed, not rewritten), except the keys the merge-tree holds (S2: a segment's key is not
 * written to the tree): those get a tombstone in the write buffer, which hides them in the segments
 * and the tree alike. While a fold has the tree frozen, every key gets a tombstone. Writer only,
 * under the store's write lock.
 */
final class RangeDelete {
    /** The engine's write steps. */
    interface Writer {
        /** One write, by the engine's rules (W1). */
        void apply(byte[] key, byte[] value, boolean blind) throws IOException;

        void maybeSpill() throws IOException;
    }

    private final BTree tree;
    private final WriteBuffer buffer;
    private final SegmentSet segs;
    private final ReadPath readPath;
    private final Writer writer;

    RangeDelete(BTree tree, WriteBuffer buffer, SegmentSet segs, ReadPath readPath, Writer writer) {
        this.tree = tree;
        this.buffer = buffer;
        this.segs = segs;
        this.readPath = readPath;
        this.writer = writer;
    }

    void run(byte[] from, boolean fromInc, byte[] to, boolean toInc, boolean treeFrozen) throws IOException {
        if (from != null && to != null) {
            int c = Arrays.compareUnsigned(from, to);
            if (c > 0 || (c == 0 && !(fromInc && toInc))) {
                return; // empty range
            }
        }
        if (treeFrozen) {
            keyByKey(from, fromInc, to, toInc);
            return;
        }
        List<byte[]> held = mergeTreeKeys(from, fromInc, to, toInc);
        byte[] lo = from;
        boolean loInc = fromInc;
        for (byte[] key : held) { // the tree's range in pieces between the held keys
            tree.deleteRange(lo, loInc, key, false);
            writer.maybeSpill();
            lo = key;
            loInc = false;
        }
        tree.deleteRange(lo, loInc, to, toInc);
        writer.maybeSpill();
        for (byte[] key : held) {
            writer.apply(key, null, true);
        }
    }

    /** The keys of the range that the write buffer or a segment holds (tombstones included), sorted, once each. */
    private List<byte[]> mergeTreeKeys(byte[] from, boolean fromInc, byte[] to, boolean toInc) throws IOException {
        KeyRange range = KeyRange.of(from, fromInc, to, toInc);
        List<byte[]> keys = new ArrayList<>();
        if (!buffer.isEmpty()) {
            for (byte[] k : buffer.sorted().keys()) {
                if (range.contains(k)) {
                    keys.add(k);
                }
            }
        }
        for (Segment seg : segs.segments()) {
            SegmentCursor c = seg.cursor(false);
            for (c.seekForward(from, from == null || fromInc); c.valid() && range.belowUpper(c.key()); c.next()) {
                keys.add(c.key());
            }
        }
        keys.sort(Arrays::compareUnsigned);
        List<byte[]> unique = new ArrayList<>(keys.size());
        for (byte[] k : keys) {
            if (unique.isEmpty() || !Arrays.equals(unique.get(unique.size() - 1), k)) {
                unique.add(k);
            }
        }
        return unique;
    }

    /** A tree write per key (routed to the write buffer while the tree is frozen). */
    private void keyByKey(byte[] from, boolean fromInc, byte[] to, boolean toInc) throws IOException {
        byte[] after = null;
        while (true) {
            ScanBatch batch = readPath.scan(from, fromInc, to, toInc, false, after, 1024, 1L << 20);
            for (Entry e : batch.entries()) {
                writer.apply(e.key(), null, false);
                writer.maybeSpill();
            }
            if (batch.endReached() || batch.resumeKey() == null) {
                return;
            }
            after = batch.resumeKey();
        }
    }
}
