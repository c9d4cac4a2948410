package dev.braid.store.internal.btree;

import java.util.Arrays;

/**
 * The search aid of a packed leaf: one {@code long[]} with two longs per cell, its key's head at
 * {@code 2i} (the eight bytes after the prefix all keys share, as in {@link KeyHeads}) and where
 * the cell's parts lie at {@code 2i + 1}: key offset, key length, cell offset (16 bits each; pages
 * are at most 64 KiB) and the length of a value stored in the cell, or {@link #VALUE_ELSEWHERE} for
 * a value on overflow pages. A search of a leaf that is not in the CPU's cache thus touches the
 * leaf, a few lines of this array and the key's line of the image: the probe that finds the key has
 * its offsets in the same line as its head, where separate offset arrays and a heads object were
 * three more dependent cache misses on every random get or put.
 */
final class LeafSlots {
    /** Marks a value that is not in the cell (a blob reference is). */
    static final int VALUE_ELSEWHERE = 0xFFFF;

    private LeafSlots() {
    }

    static long meta(int cellOff, int keyOff, int keyLen, int inlineValueLen) {
        return ((long) keyOff << 48) | ((long) keyLen << 32) | ((long) cellOff << 16) | inlineValueLen;
    }

    static int keyOff(long meta) {
        return (int) (meta >>> 48);
    }

    static int keyLen(long meta) {
        return (int) (meta >>> 32) & 0xFFFF;
    }

    static int cellOff(long meta) {
        return (int) (meta >>> 16) & 0xFFFF;
    }

    /** The cell's value length, or {@link #VALUE_ELSEWHERE}. */
    static int valueLen(long meta) {
        return (int) meta & 0xFFFF;
    }

    /** Where the value (or its blob reference) starts: right after the key. */
    static int valueOff(long meta) {
        return keyOff(meta) + keyLen(meta);
    }

    /**
     * Fills the heads of {@code slots} (whose metas are set) for the {@code n > 0} sorted keys in
     * {@code img}; returns the shared prefix length.
     */
    static int fillHeads(byte[] img, long[] slots, int n) {
        long m0 = slots[1];
        long m1 = slots[2 * n - 1];
        int first = keyOff(m0);
        int last = keyOff(m1);
        int max = Math.min(keyLen(m0), keyLen(m1));
        int p = Arrays.mismatch(img, first, first + max, img, last, last + max);
        int prefix = p < 0 ? max : p; // sorted keys: what the first and last share, all share
        for (int i = 0; i < n; i++) {
            long m = slots[2 * i + 1];
            slots[2 * i] = KeyHeads.head(img, keyOff(m), keyLen(m), prefix);
        }
        return prefix;
    }
}
