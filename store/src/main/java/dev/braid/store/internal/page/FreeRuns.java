package dev.braid.store.internal.page;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Free page runs that segments and tree builds may be written into (straight into the page file):
 * disjoint runs kept sorted by start and merged with their neighbours. Single free pages of the
 * B+tree are on the {@link FreeList}; the two never share a page. Not thread-safe: the engine
 * uses it under its write lock.
 */
public final class FreeRuns {
    private final TreeMap<Integer, Integer> runs = new TreeMap<>(); // start -> pages
    // pages -> starts of the runs of that length: the lowest run of at least n pages is found among
    // the distinct lengths of n or more (few: freed values make many runs, but mostly of one page)
    private final TreeMap<Integer, TreeSet<Integer>> bySize = new TreeMap<>();
    // single free pages collected apart and merged into the runs in one sorted pass at the next
    // take: freed values leave hundreds of thousands of them, promoted one at a time
    private int[] singles = new int[64];
    private int singleCount;
    private long pages;

    /**
     * Adds one free page as a single, kept apart until the next take merges all singles into the
     * runs at once, sorted (it must not be free already; {@link #runsWith} and that merge find
     * overlaps).
     */
    public void addSingle(int page) {
        if (singleCount == singles.length) {
            singles = java.util.Arrays.copyOf(singles, singleCount * 2);
        }
        singles[singleCount++] = page;
        pages++;
    }

    /** Single pages held apart from the runs. */
    public int singles() {
        return singleCount;
    }

    /** Adds {@code run}, which must not overlap a run already held; merges it with adjacent ones. */
    public void add(Run run) {
        int start = run.start();
        int end = run.end();
        Map.Entry<Integer, Integer> below = runs.floorEntry(start);
        if (below != null && below.getKey() + below.getValue() > start) {
            throw new IllegalStateException("run " + run + " overlaps free run at " + below.getKey());
        }
        Map.Entry<Integer, Integer> above = runs.ceilingEntry(start);
        if (above != null && above.getKey() < end) {
            throw new IllegalStateException("run " + run + " overlaps free run at " + above.getKey());
        }
        pages += run.pages();
        if (below != null && below.getKey() + below.getValue() == start) {
            start = below.getKey();
            remove(start, below.getValue());
        }
        if (above != null && above.getKey() == end) {
            end += above.getValue();
            remove(above.getKey(), above.getValue());
        }
        put(start, end - start);
    }

    /** Merges the singles into the runs: sorted, consecutive ones as one run. */
    private void absorbSingles() {
        if (singleCount == 0) {
            return;
        }
        int[] s = java.util.Arrays.copyOf(singles, singleCount);
        java.util.Arrays.sort(s);
        pages -= singleCount; // add counts them again
        singleCount = 0;
        int i = 0;
        while (i < s.length) {
            int j = i + 1;
            while (j < s.length && s[j] == s[j - 1] + 1) {
                j++;
            }
            add(new Run(s[i], j - i));
            i = j;
        }
    }

    private void put(int start, int n) {
        runs.put(start, n);
        bySize.computeIfAbsent(n, k -> new TreeSet<>()).add(start);
    }

    private void remove(int start, int n) {
        runs.remove(start);
        TreeSet<Integer> starts = bySize.get(n);
        starts.remove(start);
        if (starts.isEmpty()) {
            bySize.remove(n);
        }
    }

    /** The start of the lowest run of at least {@code n} pages, or -1 when there is none. */
    private int lowestOfAtLeast(int n) {
        int best = -1;
        for (TreeSet<Integer> starts : bySize.tailMap(n, true).values()) {
            int s = starts.first();
            if (best < 0 || s < best) {
                best = s;
            }
        }
        return best;
    }

    /**
     * Takes up to {@code want} consecutive pages, at least {@code min}: the start of the lowest run
     * that holds {@code want} pages (first fit keeps data at the front of the file, so free space
     * collects at its end, where it can be cut off), else all of the largest run that holds at
     * least {@code min}; null when no run holds {@code min} pages.
     */
    public Run take(int min, int want) {
        absorbSingles();
        int fit = lowestOfAtLeast(want);
        if (fit >= 0) {
            return takeFront(fit, runs.get(fit), want);
        }
        Map.Entry<Integer, TreeSet<Integer>> largest = bySize.lastEntry();
        if (largest == null || largest.getKey() < min) {
            return null;
        }
        int start = largest.getValue().first();
        return takeFront(start, largest.getKey(), want);
    }

    /** Takes up to {@code want} pages from the start of the run {@code [start, start + have)}. */
    private Run takeFront(int start, int have, int want) {
        int n = Math.min(have, want);
        remove(start, have);
        if (have > n) {
            put(start + n, have - n);
        }
        pages -= n;
        return new Run(start, n);
    }

    /**
     * Takes up to {@code want} pages from the start of the lowest run that holds at least
     * {@code min} (filling the holes at the front of the file in order); null when none does.
     */
    public Run takeLowest(int min, int want) {
        absorbSingles();
        int start = lowestOfAtLeast(Math.max(1, min));
        return start < 0 ? null : takeFront(start, runs.get(start), want);
    }

    /** The lowest free page, or 0 when there is none. */
    public int lowestPage() {
        int low = runs.isEmpty() ? 0 : runs.firstKey();
        for (int i = 0; i < singleCount; i++) {
            if (low == 0 || singles[i] < low) {
                low = singles[i];
            }
        }
        return low;
    }

    /** Takes up to {@code out.length} of the lowest free pages into {@code out}; returns how many. */
    public int takeFirstPages(int[] out) {
        int n = 0;
        for (int p; n < out.length && (p = takeFirstPage()) != 0; ) {
            out[n++] = p;
        }
        return n;
    }

    /** Takes the lowest free page, or returns 0 when there is none. */
    public int takeFirstPage() {
        absorbSingles();
        Map.Entry<Integer, Integer> first = runs.firstEntry();
        if (first == null) {
            return 0;
        }
        int start = first.getKey();
        int n = first.getValue();
        takeFront(start, n, 1);
        return start;
    }

    /**
     * Removes the run that ends at {@code end} (the end of the file) and returns it, or null: so
     * that the file's page count can shrink instead of keeping free pages at its end.
     */
    public Run takeEndingAt(int end) {
        absorbSingles();
        Map.Entry<Integer, Integer> last = runs.lastEntry();
        if (last == null || last.getKey() + last.getValue() != end) {
            return null;
        }
        int start = last.getKey();
        int n = last.getValue();
        remove(start, n);
        pages -= n;
        return new Run(start, n);
    }

    /** Pages held that lie below {@code page}. */
    public long pagesBelow(int page) {
        long n = 0;
        for (int i = 0; i < singleCount; i++) {
            if (singles[i] < page) {
                n++;
            }
        }
        for (Map.Entry<Integer, Integer> e : runs.headMap(page).entrySet()) {
            n += Math.min(e.getValue(), page - e.getKey());
        }
        return n;
    }

    /** Pages held. */
    public long pages() {
        return pages;
    }

    public boolean isEmpty() {
        return runs.isEmpty() && singleCount == 0;
    }

    /** The runs, singles included, in page order, adjacent ones merged. */
    public List<Run> runs() {
        return runsWith(List.of());
    }

    /**
     * The runs, singles included, together with {@code extra} (disjoint from them), in page order
     * and merged where adjacent: built through a bitmap of the pages, so hundreds of thousands of
     * singles cost a pass, not a sort. Throws {@link IllegalStateException} when a page is held
     * twice.
     */
    public List<Run> runsWith(List<Run> extra) {
        if (singleCount == 0 && extra.isEmpty()) {
            List<Run> out = new ArrayList<>(runs.size());
            for (Map.Entry<Integer, Integer> e : runs.entrySet()) {
                out.add(new Run(e.getKey(), e.getValue()));
            }
            return out;
        }
        int end = runs.isEmpty() ? 0 : runs.lastKey() + runs.lastEntry().getValue();
        for (int i = 0; i < singleCount; i++) {
            end = Math.max(end, singles[i] + 1);
        }
        for (Run r : extra) {
            end = Math.max(end, r.end());
        }
        long[] bits = new long[(end + 63) >>> 6];
        for (Map.Entry<Integer, Integer> e : runs.entrySet()) {
            mark(bits, e.getKey(), e.getKey() + e.getValue());
        }
        for (int i = 0; i < singleCount; i++) {
            mark(bits, singles[i], singles[i] + 1);
        }
        for (Run r : extra) {
            mark(bits, r.start(), r.end());
        }
        List<Run> out = new ArrayList<>();
        java.util.BitSet set = java.util.BitSet.valueOf(bits);
        for (int i = set.nextSetBit(0); i >= 0; ) {
            int stop = set.nextClearBit(i);
            out.add(new Run(i, stop - i));
            i = stop == end ? -1 : set.nextSetBit(stop);
        }
        return out;
    }

    private static void mark(long[] bits, int from, int to) {
        for (int p = from; p < to; p++) {
            long bit = 1L << p;
            if ((bits[p >>> 6] & bit) != 0) {
                throw new IllegalStateException("page " + p + " is free twice");
            }
            bits[p >>> 6] |= bit;
        }
    }
}
