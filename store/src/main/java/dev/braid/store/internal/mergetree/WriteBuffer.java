package dev.braid.store.internal.mergetree;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The in-memory write buffer of blind writes: the newest layer of the merge-tree. A blind write
 * reads nothing and touches no tree page; it lands here, a delete as a tombstone. The buffer is a
 * hash map, so a write or a point lookup costs one hash probe whatever its size; key order is
 * produced only when asked for ({@link #sorted()}), by one sort that stays valid until the next
 * write. It is drained into the tree at commit and when it passes its byte budget (see
 * docs/design/merge-policy.md).
 *
 * <p>Invariant W1: for a key held here, this entry is newer than anything below it, so reads look
 * here first, and a B+tree write to such a key goes through the buffer instead (the seed's
 * shadowing rule). Thread safety: mutated by the store's writer under the write lock; read by
 * readers under the read lock ({@link #sorted()} may sort under the read lock, so it is
 * synchronized).
 */
public final class WriteBuffer {
    /** The value of a deleted key. Compared by identity, never handed out. */
    public static final byte[] TOMBSTONE = new byte[0];
    /** Heap bytes charged per entry on top of key and value (map node, key wrapper, headers). */
    static final int ENTRY_OVERHEAD = 112;

    /** A key with its hash, as the map's key. */
    private record Key(byte[] bytes, int hash) {
        static Key of(byte[] b) {
            return new Key(b, Arrays.hashCode(b));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
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

    private static final Sorted EMPTY = new Sorted(new byte[0][], new byte[0][]);

    private final HashMap<Key, byte[]> map = new HashMap<>();
    private long bytes;
    private int tombstones;
    private volatile Sorted sorted = EMPTY;

    /** Records a put (copying both arrays); returns the change in charged bytes. */
    public long put(byte[] key, byte[] value) {
        return store(key.clone(), value.clone());
    }

    /** Records a delete; returns the change in charged bytes. */
    public long delete(byte[] key) {
        return store(key.clone(), TOMBSTONE);
    }

    private long store(byte[] key, byte[] value) {
        byte[] old = map.put(Key.of(key), value);
        sorted = null;
        long delta = value.length;
        if (old == null) {
            delta += key.length + ENTRY_OVERHEAD;
        } else {
            delta -= old.length;
            if (old == TOMBSTONE) {
                tombstones--;
            }
        }
        if (value == TOMBSTONE) {
            tombstones++;
        }
        bytes += delta;
        return delta;
    }

    /** The buffered value of {@code key}: null when absent, {@link #TOMBSTONE} when deleted. */
    public byte[] lookup(byte[] key) {
        return map.isEmpty() ? null : map.get(Key.of(key));
    }

    public boolean isEmpty() {
        return map.isEmpty();
    }

    public int size() {
        return map.size();
    }

    public int tombstones() {
        return tombstones;
    }

    /** Heap bytes charged for the buffer. */
    public long bytes() {
        return bytes;
    }

    /** The entries in key order; sorts once after each change. */
    public Sorted sorted() {
        Sorted s = sorted;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            if (sorted == null) {
                int n = map.size();
                byte[][] ks = new byte[n][];
                byte[][] vs = new byte[n][];
                int i = 0;
                for (Map.Entry<Key, byte[]> e : map.entrySet()) {
                    ks[i] = e.getKey().bytes;
                    vs[i++] = e.getValue();
                }
                int[] order = KeySorter.order(ks);
                byte[][] sk = new byte[n][];
                byte[][] sv = new byte[n][];
                for (int j = 0; j < n; j++) {
                    sk[j] = ks[order[j]];
                    sv[j] = vs[order[j]];
                }
                sorted = new Sorted(sk, sv);
            }
            return sorted;
        }
    }

    /** Calls {@code action} for every entry, in no particular order. */
    public void forEach(java.util.function.BiConsumer<byte[], byte[]> action) {
        map.forEach((k, v) -> action.accept(k.bytes, v));
    }

    /** Empties the buffer; returns the change in charged bytes (negative). */
    public long clear() {
        long freed = -bytes;
        map.clear();
        sorted = EMPTY;
        bytes = 0;
        tombstones = 0;
        return freed;
    }
}
