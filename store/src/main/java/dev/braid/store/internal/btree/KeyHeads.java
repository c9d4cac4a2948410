package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Bytes;
import java.util.Arrays;

/**
 * The search aid of an internal node's separators (a packed leaf's is {@link LeafSlots}): the length
 * of the prefix its keys share, and for each key the eight bytes that follow that prefix (big-endian,
 * zero past the key's end) in one {@code long[]}.
 * A binary search then compares longs in a few adjacent cache lines instead of touching a key in a
 * different line of the page at every probe (one cache miss each on a leaf that is not in the CPU's
 * cache, which is the usual case for a random read or update); only a probe whose eight bytes tie
 * compares the keys themselves. For keys {@code a} and {@code b} that share the prefix, a smaller
 * head means a smaller key (a shorter key's missing bytes count as zero and it is the smaller on a
 * tie), so the order is exactly the keys' unsigned byte order. Immutable once built.
 */
final class KeyHeads {
    final int prefixLen;
    final long[] heads;

    private KeyHeads(int prefixLen, long[] heads) {
        this.prefixLen = prefixLen;
        this.heads = heads;
    }

    /** The heads of the {@code n > 0} keys {@code keys[0..n)}, in order (an internal node's separators). */
    static KeyHeads ofKeys(byte[][] keys, int n) {
        byte[] first = keys[0];
        byte[] last = keys[n - 1];
        int max = Math.min(first.length, last.length);
        int p = Arrays.mismatch(first, 0, max, last, 0, max);
        int prefix = p < 0 ? max : p;
        long[] h = new long[n];
        for (int i = 0; i < n; i++) {
            h[i] = head(keys[i], 0, keys[i].length, prefix);
        }
        return new KeyHeads(prefix, h);
    }

    /** Bytes {@code [skip, skip + 8)} of the key at {@code off} (length {@code len}), zero padded. */
    static long head(byte[] b, int off, int len, int skip) {
        return Bytes.window(b, off + skip, len - skip);
    }

    long heapBytes() {
        return 16L + 8L * heads.length + 16;
    }
}
