package dev.braid.store.internal.mergetree;

/**
 * Sorts the write buffer's records by key (unsigned bytes), records of equal keys in write order,
 * with a radix sort over primitive arrays: an LSD pass over an eight-byte window of the keys, then
 * the same on the next window for each run of records whose windows tie (MSD recursion), so keys
 * with long shared prefixes (such as {@code "user-000123"}) cost a few more passes, never a
 * comparison sort over scattered memory. Small ranges use an insertion sort; large ones are split by
 * their top byte first, and the buckets sorted on two threads. Stateless.
 */
final class KeySorter {
    private static final int SMALL = 48;
    /** Ranges at least this large are split by their top byte before the LSD passes. */
    private static final int MSD_MIN = 1 << 16;
    /** Ranges at least this large sort their buckets on two threads. */
    private static final int PARALLEL_MIN = 1 << 18;

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
        if (n >= MSD_MIN) {
            // The top byte first (one stable scatter into 256 buckets), then the other seven LSD
            // within each bucket, whose arrays fit in the cache: 8 passes over a few KiB each instead
            // of over the whole arrays.
            int[] starts = scatter(w, id, w2, id2, 0, n, 56);
            if (starts == null) {
                lsd(w, id, w2, id2, 0, n, 48); // one top byte: one bucket
            } else {
                sortBuckets(w2, id2, w, id, starts, n); // w, id are scratch now
                w = w2;
                id = id2;
            }
        } else {
            lsd(w, id, w2, id2, 0, n, 56);
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
     * Sorts each bucket of the top-byte split by its other seven bytes; a large one on two threads,
     * each taking the buckets of about half the records (disjoint ranges of the same arrays).
     */
    private static void sortBuckets(long[] w, int[] id, long[] sw, int[] sid, int[] starts, int n) {
        int split = 256;
        if (n >= PARALLEL_MIN && Runtime.getRuntime().availableProcessors() > 1) {
            split = 0;
            while (split < 256 && starts[split] < n / 2) {
                split++;
            }
        }
        int cut = split;
        Thread helper = null;
        if (cut < 256) {
            helper = new Thread(() -> {
                for (int b = cut; b < 256; b++) {
                    lsd(w, id, sw, sid, starts[b], starts[b + 1], 48);
                }
            }, Thread.currentThread().getName() + "-sort");
            helper.setDaemon(true);
            helper.start();
        }
        for (int b = 0; b < cut; b++) {
            lsd(w, id, sw, sid, starts[b], starts[b + 1], 48);
        }
        if (helper != null) {
            boolean interrupted = false;
            while (true) {
                try {
                    helper.join(); // it only sorts arrays: it always ends
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Stable LSD radix sort of {@code [s, e)} of {@code w} (with {@code id} alongside) by the bytes at
     * shifts 0 to {@code topShift}; {@code w2}/{@code id2} are scratch. The result is in {@code w}/{@code id}.
     */
    private static void lsd(long[] w, int[] id, long[] w2, int[] id2, int s, int e, int topShift) {
        long[] a = w;
        int[] ai = id;
        long[] b = w2;
        int[] bi = id2;
        for (int shift = 0; shift <= topShift && e - s > 1; shift += 8) {
            if (scatter(a, ai, b, bi, s, e, shift) == null) {
                continue; // every window has the same byte here
            }
            long[] t = a;
            a = b;
            b = t;
            int[] ti = ai;
            ai = bi;
            bi = ti;
        }
        if (a != w) {
            System.arraycopy(a, s, w, s, e - s);
            System.arraycopy(ai, s, id, s, e - s);
        }
    }

    /**
     * One stable counting pass over {@code [s, e)}: by the byte at {@code shift}, from {@code w}/{@code
     * id} into the same range of {@code w2}/{@code id2}. Returns the 257 bucket starts, or null (and
     * moves nothing) when every window has the same byte there.
     */
    private static int[] scatter(long[] w, int[] id, long[] w2, int[] id2, int s, int e, int shift) {
        int[] counts = new int[257];
        for (int i = s; i < e; i++) {
            counts[((int) (w[i] >>> shift) & 0xFF) + 1]++;
        }
        if (counts[((int) (w[s] >>> shift) & 0xFF) + 1] == e - s) {
            return null;
        }
        counts[0] = s;
        for (int b = 1; b <= 256; b++) {
            counts[b] += counts[b - 1];
        }
        int[] starts = counts.clone();
        for (int i = s; i < e; i++) {
            int at = counts[(int) (w[i] >>> shift) & 0xFF]++;
            w2[at] = w[i];
            id2[at] = id[i];
        }
        return starts;
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
