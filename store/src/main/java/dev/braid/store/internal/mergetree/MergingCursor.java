package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.format.Bytes;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Merges sorted sources into one stream, newest source first on equal keys (it wins; the older
 * entries for that key are skipped). Uses a binary heap of the sources' current keys, so a step costs
 * O(log k) comparisons. Tombstones pass through: the caller decides whether they hide or are dropped.
 * The current entry is read from the source that holds it, when asked (a value is copied only if
 * the caller wants a copy: {@link #entryTo}); so a source's key array must stay unchanged after
 * the source moves on (every source returns a fresh or a stable array). One thread.
 */
public final class MergingCursor {
    private final SortedSource[] sources; // index = age rank: 0 is the newest
    private final int[] heap;
    /**
     * The first eight bytes of each source's current key (big-endian, zero padded): the heap
     * compares these and reads the keys themselves only where they tie, so a step touches one small
     * array instead of a key in each of the sources' blocks per comparison.
     */
    private final long[] heads;
    private final int sign;
    private int size;
    private int cur = -1; // the source holding the current entry (the heap top); -1: none left

    /** @param newestFirst the sources, newest first; all in the same direction ({@code reverse} or not) */
    public MergingCursor(List<SortedSource> newestFirst, boolean reverse) throws IOException {
        this.sources = newestFirst.toArray(new SortedSource[0]);
        this.heap = new int[sources.length];
        this.heads = new long[sources.length];
        this.sign = reverse ? -1 : 1;
        for (int i = 0; i < sources.length; i++) {
            if (sources[i].valid()) {
                heads[i] = head(sources[i].key());
                heap[size++] = i;
            }
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            down(i);
        }
        cur = size > 0 ? heap[0] : -1;
    }

    public boolean valid() {
        return cur >= 0;
    }

    public byte[] key() {
        return sources[cur].key();
    }

    /** The winning value, {@link WriteBuffer#TOMBSTONE} for a delete. */
    public byte[] value() throws IOException {
        return sources[cur].value();
    }

    /** Whether the winning entry is a delete. */
    public boolean isTombstone() throws IOException {
        return sources[cur].isTombstone();
    }

    /**
     * Hands the winning live entry to {@code to}: {@code key} (from {@link #key}) and the value, as a
     * slice of its source where it can.
     */
    public void entryTo(byte[] key, SortedSource.EntrySink to) throws IOException {
        sources[cur].entryTo(key, to);
    }

    public void next() throws IOException {
        if (cur < 0) {
            return;
        }
        byte[] key = sources[cur].key();
        long h = heads[cur];
        step(cur); // the newest source of equal keys is the heap top (ties go to the lower index)
        // Older sources holding the same key are skipped.
        while (size > 0 && heads[heap[0]] == h && Arrays.equals(sources[heap[0]].key(), key)) {
            step(heap[0]);
        }
        cur = size > 0 ? heap[0] : -1;
    }

    /** Advances the source at the heap top and restores the heap. */
    private void step(int src) throws IOException {
        sources[src].next();
        if (!sources[src].valid()) {
            heap[0] = heap[--size];
        } else {
            heads[src] = head(sources[src].key());
        }
        if (size > 0) {
            down(0);
        }
    }

    private boolean less(int a, int b) {
        long ha = heads[a];
        long hb = heads[b];
        if (ha != hb) {
            // differing heads order the keys: a shorter key's missing bytes are zero, and it is smaller
            return sign * Long.compareUnsigned(ha, hb) < 0;
        }
        int c = sign * Arrays.compareUnsigned(sources[a].key(), sources[b].key());
        return c < 0 || (c == 0 && a < b);
    }

    /** Key bytes {@code [0, 8)} as a big-endian long, zero past the key's end. */
    static long head(byte[] k) {
        return Bytes.window(k, 0, k.length);
    }

    private void down(int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int r = l + 1;
            int m = r < size && less(heap[r], heap[l]) ? r : l;
            if (!less(heap[m], heap[i])) {
                return;
            }
            int t = heap[m];
            heap[m] = heap[i];
            heap[i] = t;
            i = m;
        }
    }
}
