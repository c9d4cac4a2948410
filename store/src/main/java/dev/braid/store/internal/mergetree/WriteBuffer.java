package dev.braid.store.internal.mergetree;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * The in-memory write buffer of blind writes: the newest layer of the merge-tree. A blind write
 * reads nothing and touches no tree page: it is appended to an {@link Arena} (one copy, no object
 * per entry), a delete as a tombstone record. Everything else is built lazily and cached until the
 * next write: the hash index that point lookups probe is extended over the records appended since
 * the last lookup (so a restore, which never looks up, never builds it), and key order is produced
 * by one radix sort ({@link KeySorter}) when a flush, scan or count asks for it. Of several writes
 * to one key the newest wins. See docs/design/merge-policy.md.
 *
 * <p>Invariant W1: for a key held here, this entry is newer than anything below it, so reads look
 * here first, and a B+tree write to such a key goes through the buffer instead (the seed's
 * shadowing rule). Thread safety: appended and cleared by the store's writer under the store's
 * write lock (which excludes readers and publishes the records); read by readers under the read
 * lock, where the lazily built index and order are guarded by this object.
 */
public final class WriteBuffer {
    /** The value of a deleted key. Compared by identity, never handed out. */
    public static final byte[] TOMBSTONE = new byte[0];
    /**
     * Heap bytes charged per record on top of its key and value: its arena header, table slot and
     * key head, its share of the hash index, and the sort's scratch arrays at flush.
     */
    static final int RECORD_OVERHEAD = 48;
    /** Records loaded ahead at a time by {@link #forEachSorted}. */
    private static final int AHEAD = 8;
    @SuppressWarnings("unused")
    private long touchSink;

    /** Receives one entry as slices of the arena; {@code valueLen} is -1 for a delete. */
    @FunctionalInterface
    public interface RawEntry {
        void accept(byte[] keyBuf, int keyOff, int keyLen, byte[] valueBuf, int valueOff, int valueLen)
                throws IOException;
    }

    /** The buffer in key order: parallel arrays, valid until the next write. */
    public record Sorted(byte[][] keys, byte[][] values) {
        /** The same entries without the deletes. */
        public Sorted withoutTombstones() {
            int live = 0;
            for (byte[] v : values) {
                live += v == TOMBSTONE ? 0 : 1;
            }
            if (live == values.length) {
                return this;
            }
            byte[][] k = new byte[live][];
            byte[][] v = new byte[live][];
            for (int i = 0, j = 0; i < values.length; i++) {
                if (values[i] != TOMBSTONE) {
                    k[j] = keys[i];
                    v[j++] = values[i];
                }
            }
            return new Sorted(k, v);
        }

        /** Index of the first key at or after {@code key} (after it when not inclusive). */
        public int lowerBound(byte[] key, boolean inclusive) {
            int lo = 0;
            int hi = keys.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                int c = Arrays.compareUnsigned(keys[mid], key);
                if (c < 0 || (c == 0 && !inclusive)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /**
     * The charge handed to the memory budget moves in steps of this many bytes: a write takes the
     * cache's lock (a fenced atomic pair) once a step instead of once a record (about a fifth
     * of a restore's ingest time at 100 B a record). A buffer's charge lags its bytes by less than a step.
     */
    static final long CHARGE_STEP_BYTES = 64 << 10;

    private Arena arena = new Arena();
    private long bytes;
    private long charged; // the part of bytes handed to the budget so far
    // Lazily built, guarded by this: the hash index over records [0, indexed) and the key order.
    private int[] slots = new int[0]; // record number + 1, 0 = empty; open addressing, linear probing
    private int indexed;
    private int[] order;
    private Sorted sorted;

    /**
     * Records a put (copying both arrays); returns the change in charged bytes: 0, or the bytes
     * buffered since the last charge once they reach {@link #CHARGE_STEP_BYTES}.
     */
    public long put(byte[] key, byte[] value) {
        return append(key, value);
    }

    /** Records a delete; returns the change in charged bytes. */
    public long delete(byte[] key) {
        return append(key, null);
    }

    private long append(byte[] key, byte[] value) {
        arena.append(key, value);
        order = null;
        sorted = null;
        bytes += key.length + (value == null ? 0 : value.length) + RECORD_OVERHEAD;
        if (bytes - charged < CHARGE_STEP_BYTES) {
            return 0;
        }
        long delta = bytes - charged;
        charged = bytes;
        return delta;
    }

    /** The buffered value of {@code key}: null when absent, {@link #TOMBSTONE} when deleted. */
    public synchronized byte[] lookup(byte[] key) {
        int rec = find(key);
        return rec < 0 ? null : arena.value(rec);
    }

    /** Whether the buffer holds an entry (a value or a delete) for {@code key}. */
    public synchronized boolean holds(byte[] key) {
        return find(key) >= 0;
    }

    private int find(byte[] key) {
        if (arena.count() == 0) {
            return -1;
        }
        catchUpIndex();
        int mask = slots.length - 1;
        for (int i = (int) Bloom.hash(key) & mask; ; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == 0) {
                return -1;
            }
            if (arena.keyEquals(s - 1, key)) {
                return s - 1;
            }
        }
    }

    /** Extends the index over the records appended since it was last used; grows it at half full. */
    private void catchUpIndex() {
        int n = arena.count();
        if (indexed == n) {
            return;
        }
        if (slots.length < 2 * n) {
            slots = new int[Integer.highestOneBit(Math.max(16, 2 * n - 1)) << 1];
            indexed = 0;
        }
        int mask = slots.length - 1;
        for (int rec = indexed; rec < n; rec++) {
            for (int i = (int) arena.keyHash(rec) & mask; ; i = (i + 1) & mask) {
                int s = slots[i];
                if (s == 0 || arena.compareKeys(s - 1, rec) == 0) {
                    slots[i] = rec + 1; // a newer record of a key replaces the older one
                    break;
                }
            }
        }
        indexed = n;
    }

    public boolean isEmpty() {
        return arena.count() == 0;
    }

    /** Heap bytes charged for the buffer. */
    public long bytes() {
        return bytes;
    }

    /** The newest record of each key, in key order. */
    private synchronized int[] order() {
        if (order == null) {
            long[] windows = new long[arena.count()];
            int[] all = KeySorter.order(arena, arena.count(), windows);
            int n = 0;
            for (int i = 0; i < all.length; i++) {
                // equal keys have equal first windows: compare the bytes (scattered reads) only then
                if (i + 1 < all.length && windows[i] == windows[i + 1]
                        && arena.compareKeys(all[i], all[i + 1]) == 0) {
                    continue; // superseded by a newer write of the same key (equal keys are in write order)
                }
                all[n++] = all[i];
            }
            order = n == all.length ? all : Arrays.copyOf(all, n);
        }
        return order;
    }

    /** Number of distinct keys buffered (sorts if needed). */
    public int distinctKeys() {
        return order().length;
    }

    /** The entries in key order, as arrays (copies); built once after each change. */
    public synchronized Sorted sorted() {
        if (sorted == null) {
            int[] o = order();
            byte[][] ks = new byte[o.length][];
            byte[][] vs = new byte[o.length][];
            for (int i = 0; i < o.length; i++) {
                ks[i] = arena.key(o[i]);
                vs[i] = arena.value(o[i]);
            }
            sorted = new Sorted(ks, vs);
        }
        return sorted;
    }

    /** Streams the entries in key order as slices of the arena, without copying them. */
    public void forEachSorted(RawEntry action) throws IOException {
        forEachSorted(0, Integer.MAX_VALUE, action);
    }

    /**
     * The same for the entries from index {@code from} (inclusive) to {@code to} (exclusive, capped at
     * {@link #distinctKeys}) of the key order. Several threads may stream parts of one buffer while
     * its writer waits for them.
     */
    public void forEachSorted(int from, int to, RawEntry action) throws IOException {
        int[] o = order();
        int n = Math.min(to, o.length);
        long touched = 0;
        for (int i = from; i < n; i++) {
            if (((i - from) & (AHEAD - 1)) == 0) {
                // Records in key order lie scattered over the arena: load the table entries and
                // then the records a few steps ahead, eight independent loads at a time, so that
                // their cache misses overlap instead of stalling one record after the other.
                for (int j = i + 3 * AHEAD, e = Math.min(n, j + AHEAD); j < e; j++) {
                    touched += arena.touchRef(o[j]);
                }
                for (int j = i + AHEAD, e = Math.min(n, j + AHEAD); j < e; j++) {
                    touched += arena.touch(o[j]);
                }
            }
            int rec = o[i];
            byte[] c = arena.chunk(rec);
            action.accept(c, arena.keyOff(rec), arena.keyLen(rec), c, arena.valueOff(rec), arena.valueLen(rec));
        }
        if (touched == Long.MIN_VALUE + 1) {
            touchSink = touched; // never in practice; the test keeps the loads
        }
    }

    /**
     * Adds every buffered key to {@code bloom}, in the order written: the records are read one after
     * the other (superseded ones too, which adds nothing). May run on a helper thread while another
     * streams the buffer in key order; the buffer must not change meanwhile.
     */
    public void addKeysTo(Bloom bloom) {
        for (int rec = 0, n = arena.count(); rec < n; rec++) {
            bloom.add(arena.keyHash(rec));
        }
    }

    /** Calls {@code action} for every entry (copies), in key order. */
    public void forEach(BiConsumer<byte[], byte[]> action) {
        Sorted s = sorted();
        for (int i = 0; i < s.keys().length; i++) {
            action.accept(s.keys()[i], s.values()[i]);
        }
    }

    /** Empties the buffer; returns the change in charged bytes (negative). */
    public long clear() {
        long freed = -charged;
        charged = 0;
        arena = new Arena();
        slots = new int[0];
        indexed = 0;
        order = null;
        sorted = null;
        bytes = 0;
        return freed;
    }
}
