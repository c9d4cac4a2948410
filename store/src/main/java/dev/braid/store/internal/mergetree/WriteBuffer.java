package dev.braid.store.internal.mergetree;

import java.util.Arrays;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The in-memory write buffer of blind writes: the newest layer of the merge-tree. A blind write
 * reads nothing and touches no tree page; it lands here, sorted, a delete as a tombstone. The
 * buffer is drained into the tree at commit and when it passes its byte budget (see
 * docs/design/merge-policy.md).
 *
 * <p>Invariant W1: for a key held here, this entry is newer than anything below it, so reads look
 * here first, and a B+tree write to such a key goes through the buffer instead (the seed's
 * shadowing rule). Thread safety: mutated by the store's writer under the write lock; read by
 * readers under the read lock.
 */
public final class WriteBuffer {
    /** The value of a deleted key. Compared by identity, never handed out. */
    public static final byte[] TOMBSTONE = new byte[0];
    /** Heap bytes charged per entry on top of key and value (map node, array headers). */
    static final int ENTRY_OVERHEAD = 96;

    private final TreeMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);
    private long bytes;
    private int tombstones;

    /** Records a put (copying both arrays); returns the change in charged bytes. */
    public long put(byte[] key, byte[] value) {
        return store(key.clone(), value.clone());
    }

    /** Records a delete; returns the change in charged bytes. */
    public long delete(byte[] key) {
        return store(key.clone(), TOMBSTONE);
    }

    private long store(byte[] key, byte[] value) {
        byte[] old = map.put(key, value);
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
        return map.get(key);
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

    /** The entries in key order (a live view: do not change the buffer while walking it). */
    public NavigableMap<byte[], byte[]> entries() {
        return map;
    }

    /** Empties the buffer; returns the change in charged bytes (negative). */
    public long clear() {
        long freed = -bytes;
        map.clear();
        bytes = 0;
        tombstones = 0;
        return freed;
    }
}
