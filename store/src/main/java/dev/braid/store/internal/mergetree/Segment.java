package dev.braid.store.internal.mergetree;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable sorted segment of the merge-tree, open for reading: its manifest record, its bloom
 * filter (held in memory) and block access. Point lookups skip it when the key lies outside its key
 * range or the filter excludes it. Thread safe.
 */
public final class Segment {
    /** Segment count from which {@link #touchFilters} loads the filters ahead of a point read. */
    static final int TOUCH_FILTERS_FROM = 4;
    @SuppressWarnings("unused")
    private static long touchSink;

    private final SegmentInfo info;
    private final Bloom bloom;
    private final SegmentReader reader;
    private volatile boolean deltaKnown;
    private volatile long delta;

    Segment(SegmentInfo info, Bloom bloom, SegmentReader reader) {
        this.info = info;
        this.bloom = bloom;
        this.reader = reader;
        this.deltaKnown = info.deltaKnown();
        this.delta = info.liveDelta();
    }

    /** The same segment under a new id (a merge's output gets its id when installed). */
    public Segment renumbered(long id) {
        Segment s = new Segment(info.withId(id), bloom, reader);
        s.deltaKnown = deltaKnown;
        s.delta = delta;
        return s;
    }

    public boolean deltaKnown() {
        return deltaKnown;
    }

    public long liveDelta() {
        return delta;
    }

    /** Records the live delta once computed (see {@link SegmentInfo#liveDelta}). */
    public void setLiveDelta(long d) {
        delta = d;
        deltaKnown = true;
    }

    /** Opens a segment recorded in the manifest, loading and verifying its bloom filter. */
    public static Segment open(SegmentInfo info, SegmentReader reader) throws IOException {
        return new Segment(info, reader.bloom(info), reader);
    }

    /** The manifest record, with the live delta as now known. */
    public SegmentInfo info() {
        return deltaKnown && !info.deltaKnown() ? info.withDelta(delta) : info;
    }

    /** Memory held in the heap while open (the bloom filter), charged to the budget. */
    public long heapBytes() {
        return bloom.heapBytes() + info.minKey().length + info.maxKey().length + 256;
    }

    /**
     * With many segments (a restore streaming into a new store), loads each filter's line for a key
     * ({@link Bloom#touch}) before any is probed, so that a read waits for their cache misses
     * together rather than one after the other.
     */
    public static void touchFilters(List<Segment> segments, long hash) {
        if (segments.size() < TOUCH_FILTERS_FROM) {
            return;
        }
        long t = 0;
        for (Segment s : segments) {
            t += s.bloom.touch(hash);
        }
        if (t == Long.MIN_VALUE + 1) {
            touchSink = t; // never in practice; the test keeps the loads
        }
    }

    /** Whether the key may be here: within the key range and passing the filter. */
    public boolean mayContain(byte[] key, long hash) {
        return Arrays.compareUnsigned(key, info.minKey()) >= 0 && Arrays.compareUnsigned(key, info.maxKey()) <= 0
                && bloom.mightContain(hash);
    }

    /**
     * The entry for {@code key}: its value, {@link WriteBuffer#TOMBSTONE} when deleted here, or null
     * when the segment does not hold the key. {@code hash} is {@link Bloom#hash} of the key.
     */
    public byte[] get(byte[] key, long hash) throws IOException {
        if (!mayContain(key, hash)) {
            return null;
        }
        SegmentBlock b = reader.block(info.rootPage(), info.rootPages(), info.rootCrc(), true);
        for (int depth = 0; !b.isData(); depth++) {
            if (depth > 64) {
                throw reader.corrupt(b.pageNo(), "segment " + info.id() + " index is too deep");
            }
            int c = b.childFor(key);
            b = child(b, c, true);
        }
        int i = b.search(key);
        return i < 0 ? null : value(b, i, true, null);
    }

    /**
     * Entry {@code i} of data block {@code b}: its value, read from its own page when it has one
     * (through {@code ahead} if given), or {@link WriteBuffer#TOMBSTONE}.
     */
    byte[] value(SegmentBlock b, int i, boolean cached, ReadAhead ahead) throws IOException {
        if (b.isTombstone(i) || !b.isRef(i)) {
            return b.value(i);
        }
        return reader.value(b.refPage(i), b.refCrc(i), b.valueLength(i), cached, ahead);
    }

    /**
     * Up to {@code parts - 1} ascending keys that cut this segment into about equal key ranges; none
     * when its root is a data block. Reads the index level by level until a level has at least 64
     * entries a part (or is the one above the data blocks), then cuts that level's entries evenly:
     * each entry stands for a child about as full as the others (only the last child of a level may
     * be partly filled), so the cuts are even within one child in 64. The root alone would not do: it
     * may have two children, one of them nearly empty. A parallel merge uses the keys as range bounds.
     */
    public byte[][] splitKeys(int parts) throws IOException {
        SegmentBlock root = root(false);
        if (root.isData() || parts < 2) {
            return new byte[0][];
        }
        java.util.List<SegmentBlock> level = java.util.List.of(root);
        int entries = root.n;
        while (level.get(0).level > 1 && entries < 64 * parts) {
            java.util.List<SegmentBlock> below = new java.util.ArrayList<>();
            int n = 0;
            for (SegmentBlock b : level) {
                for (int i = 0; i < b.n; i++) {
                    SegmentBlock c = child(b, i, false);
                    below.add(c);
                    n += c.n;
                }
            }
            level = below;
            entries = n;
        }
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        int block = 0;
        int before = 0; // entries in the blocks before `block`
        for (int j = 1; j < parts; j++) {
            int at = (int) Math.round((double) entries * j / parts);
            while (block < level.size() - 1 && at >= before + level.get(block).n) {
                before += level.get(block).n;
                block++;
            }
            int i = Math.min(at - before, level.get(block).n - 1);
            if (at > 0 && i >= 0) {
                byte[] k = level.get(block).key(i);
                if (out.isEmpty() || java.util.Arrays.compareUnsigned(out.get(out.size() - 1), k) < 0) {
                    out.add(k);
                }
            }
        }
        return out.toArray(new byte[0][]);
    }

    SegmentBlock root(boolean cached) throws IOException {
        return reader.block(info.rootPage(), info.rootPages(), info.rootCrc(), cached);
    }

    SegmentBlock child(SegmentBlock parent, int i, boolean cached) throws IOException {
        return child(parent, i, cached, null);
    }

    /** A child block; uncached reads go through {@code ahead} when it is not null. */
    SegmentBlock child(SegmentBlock parent, int i, boolean cached, ReadAhead ahead) throws IOException {
        SegmentBlock c = ahead != null && !cached
                ? reader.block(parent.childPage(i), parent.childPages(i), parent.childCrc(i), ahead)
                : reader.block(parent.childPage(i), parent.childPages(i), parent.childCrc(i), cached);
        if (c.level != parent.level - 1) {
            throw reader.corrupt(c.pageNo(), "segment block at page " + c.pageNo() + " is at level " + c.level
                    + " under a block at level " + parent.level);
        }
        return c;
    }

    /** A cursor over the entries, tombstones included; {@code cached} false for one-pass merges. */
    public SegmentCursor cursor(boolean cached) {
        return cached ? new SegmentCursor(this, true, null, null)
                : new SegmentCursor(this, false, new ReadAhead(info.runs(), reader.pageSize()),
                        new ReadAhead(info.runs(), reader.pageSize()));
    }

    /** Drops this segment's cached blocks; called when it is merged away. */
    public void release() {
        reader.evict(info);
    }
}
