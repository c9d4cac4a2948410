package dev.braid.store.internal.mergetree;

import java.util.Arrays;

/**
 * Sorts keys in unsigned byte order by their first eight bytes with an LSD radix sort over
 * primitive arrays, then orders the rare runs of equal prefixes by the whole key. Sorting the
 * write buffer this way touches each key's bytes once instead of at every comparison, which is
 * what bounds a comparison sort over millions of scattered arrays. Stateless.
 */
final class KeySorter {
    private KeySorter() {
    }

    /** The permutation that puts {@code keys} in ascending unsigned order. */
    static int[] order(byte[][] keys) {
        int n = keys.length;
        long[] prefix = new long[n];
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            prefix[i] = prefixOf(keys[i]);
            idx[i] = i;
        }
        long[] p2 = new long[n];
        int[] i2 = new int[n];
        int[] counts = new int[256];
        for (int shift = 0; shift < 64; shift += 8) {
            Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) {
                counts[(int) (prefix[i] >>> shift) & 0xFF]++;
            }
            if (counts[(int) (prefix[0] >>> shift) & 0xFF] == n) {
                continue; // every key has the same byte here: nothing to do
            }
            int sum = 0;
            for (int b = 0; b < 256; b++) {
                int c = counts[b];
                counts[b] = sum;
                sum += c;
            }
            for (int i = 0; i < n; i++) {
                int b = (int) (prefix[i] >>> shift) & 0xFF;
                int at = counts[b]++;
                p2[at] = prefix[i];
                i2[at] = idx[i];
            }
            long[] tp = prefix;
            prefix = p2;
            p2 = tp;
            int[] ti = idx;
            idx = i2;
            i2 = ti;
        }
        for (int start = 0; start < n; ) {
            int end = start + 1;
            while (end < n && prefix[end] == prefix[start]) {
                end++;
            }
            if (end - start > 1) {
                sortRun(keys, idx, start, end);
            }
            start = end;
        }
        return idx;
    }

    /** The first eight bytes, big-endian, zero-padded: unsigned order of prefixes. */
    private static long prefixOf(byte[] k) {
        long p = 0;
        int len = Math.min(8, k.length);
        for (int i = 0; i < len; i++) {
            p |= (k[i] & 0xFFL) << (56 - 8 * i);
        }
        return p;
    }

    private static void sortRun(byte[][] keys, int[] idx, int from, int to) {
        Integer[] run = new Integer[to - from];
        for (int i = from; i < to; i++) {
            run[i - from] = idx[i];
        }
        Arrays.sort(run, (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]));
        for (int i = from; i < to; i++) {
            idx[i] = run[i - from];
        }
    }
}
