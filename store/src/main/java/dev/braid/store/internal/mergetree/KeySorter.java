package dev.braid.store.internal.mergetree;

/**
 * Sorts the write buffer's records by key (unsigned bytes), records of equal keys in write order,
 * with a radix sort over primitive arrays: an LSD pass over an eight-byte window of the keys, then
 * the same on the next window for each run of records whose windows tie (MSD recursion), so keys
 * with long shared prefixes (such as {@code "user-000123"}) cost a few more passes, never a
 * comparison sort over scattered memory. Small ranges use an insertion sort. Stateless.
 */
final class KeySorter {
    private static final int SMALL = 48;

    private KeySorter() {
    }

    /** Record numbers {@code 0..n-1} of {@code arena} in key order, equal keys in write order. */
    static int[] order(Arena arena, int n) {
        return order(arena, n, null);
    }

    /**
     * As {@link #order(Arena, int)}; when {@code firstWindows} is not null (length {@code n}) it
     * receives the first eight key bytes of each sorted record ({@link Arena#window}, depth 0), so
     * that the caller can tell keys apart without reading them again: keys whose windows differ
     * differ.
     */
    static int[] order(Arena arena, int n, long[] firstWindows) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        sort(arena, idx, 0, n, 0, firstWindows);
        return idx;
    }

    private static void sort(Arena a, int[] idx, int from, int to, int depth) {
        sort(a, idx, from, to, depth, null);
    }

    private static void sort(Arena a, int[] idx, int from, int to, int depth, long[] windowsOut) {
        int n = to - from;
        if (n < SMALL) {
            insertionSort(a, idx, from, to);
            if (windowsOut != null) {
                for (int i = from; i < to; i++) {
                    windowsOut[i] = a.window(idx[i], depth);
                }
            }
            return;
        }
        long[] w = new long[n];
        int[] id = new int[n];
        for (int i = 0; i < n; i++) {
            id[i] = idx[from + i];
            w[i] = a.window(id[i], depth);
        }
        long[] w2 = new long[n];
        int[] id2 = new int[n];
        int[] counts = new int[256];
        for (int shift = 0; shift < 64; shift += 8) {
            java.util.Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) {
                counts[(int) (w[i] >>> shift) & 0xFF]++;
            }
            if (counts[(int) (w[0] >>> shift) & 0xFF] == n) {
                continue; // every window has the same byte here
            }
            int sum = 0;
            for (int b = 0; b < 256; b++) {
                int c = counts[b];
                counts[b] = sum;
                sum += c;
            }
            for (int i = 0; i < n; i++) {
                int at = counts[(int) (w[i] >>> shift) & 0xFF]++;
                w2[at] = w[i];
                id2[at] = id[i];
            }
            long[] tw = w;
            w = w2;
            w2 = tw;
            int[] ti = id;
            id = id2;
            id2 = ti;
        }
        System.arraycopy(id, 0, idx, from, n);
        if (windowsOut != null) {
            // the runs below only reorder records of equal windows, so these stay in place
            System.arraycopy(w, 0, windowsOut, from, n);
        }
        for (int s = 0; s < n; ) {
            int e = s + 1;
            while (e < n && w[e] == w[s]) {
                e++;
            }
            if (e - s > 1) {
                // Equal windows: the keys differ further on, or only in length (zero padding).
                int runMax = 0;
                for (int i = from + s; i < from + e; i++) {
                    runMax = Math.max(runMax, a.keyLen(idx[i]));
                }
                if (runMax > depth + 8) {
                    sort(a, idx, from + s, from + e, depth + 8);
                } else {
                    byLength(a, idx, from + s, from + e);
                }
            }
            s = e;
        }
    }

    /**
     * Orders a run whose keys agree byte for byte where both have bytes (zero padded): the shorter
     * key is the smaller. Stable, so equal keys stay in write order; usually every length is equal.
     */
    private static void byLength(Arena a, int[] idx, int from, int to) {
        int len = a.keyLen(idx[from]);
        boolean same = true;
        for (int i = from + 1; i < to && same; i++) {
            same = a.keyLen(idx[i]) == len;
        }
        if (same) {
            return;
        }
        Integer[] run = new Integer[to - from];
        for (int i = from; i < to; i++) {
            run[i - from] = idx[i];
        }
        java.util.Arrays.sort(run, java.util.Comparator.comparingInt(a::keyLen)); // stable
        for (int i = from; i < to; i++) {
            idx[i] = run[i - from];
        }
    }

    /** Stable for equal keys: records compare by key, then by number (write order). */
    private static void insertionSort(Arena a, int[] idx, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            int x = idx[i];
            int j = i - 1;
            while (j >= from && compare(a, idx[j], x) > 0) {
                idx[j + 1] = idx[j];
                j--;
            }
            idx[j + 1] = x;
        }
    }

    private static int compare(Arena a, int r1, int r2) {
        int c = a.compareKeys(r1, r2);
        return c != 0 ? c : Integer.compare(r1, r2);
    }
}
