package dev.braid.store.internal.page;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Free page runs that segments and tree builds may be written into (straight into the page file):
 * disjoint runs kept sorted by start and merged with their neighbours. Single free pages of the
 * B+tree are on the {@link FreeList}; the two never share a page. Not thread-safe: the engine
 * uses it under its write lock.
 */
public final class FreeRuns {
    private final TreeMap<Integer, Integer> runs = new TreeMap<>();
    private long pages;

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
            runs.remove(start);
        }
        if (above != null && above.getKey() == end) {
            end += runs.remove(above.getKey());
        }
        runs.put(start, end - start);
    }

    /**
     * Takes up to {@code want} consecutive pages, at least {@code min}: the start of the lowest run
     * that holds {@code want} pages (first fit keeps data at the front of the file, so free space
     * collects at its end, where it can be cut off), else all of the largest run that holds at
     * least {@code min}; null when no run holds {@code min} pages.
     */
    public Run take(int min, int want) {
        Map.Entry<Integer, Integer> fit = null;
        Map.Entry<Integer, Integer> largest = null;
        for (Map.Entry<Integer, Integer> e : runs.entrySet()) {
            int n = e.getValue();
            if (n >= want && fit == null) {
                fit = e;
            }
            if (n >= min && (largest == null || n > largest.getValue())) {
                largest = e;
            }
        }
        Map.Entry<Integer, Integer> from = fit != null ? fit : largest;
        if (from == null) {
            return null;
        }
        return takeFront(from.getKey(), from.getValue(), want);
    }

    /** Takes up to {@code want} pages from the start of the run {@code [start, start + have)}. */
    private Run takeFront(int start, int have, int want) {
        int n = Math.min(have, want);
        runs.remove(start);
        if (have > n) {
            runs.put(start + n, have - n);
        }
        pages -= n;
        return new Run(start, n);
    }

    /**
     * Takes up to {@code want} pages from the start of the lowest run that holds at least
     * {@code min} (filling the holes at the front of the file in order); null when none does.
     */
    public Run takeLowest(int min, int want) {
        for (Map.Entry<Integer, Integer> e : runs.entrySet()) {
            if (e.getValue() >= min) {
                // key and value read before the removal: TreeMap may reuse the entry object
                return takeFront(e.getKey(), e.getValue(), want);
            }
        }
        return null;
    }

    /** The first page of the lowest run, or 0 when there is none. */
    public int lowestPage() {
        return runs.isEmpty() ? 0 : runs.firstKey();
    }

    /** Takes the first page of the lowest run, or returns 0 when there is none. */
    public int takeFirstPage() {
        Map.Entry<Integer, Integer> first = runs.firstEntry();
        if (first == null) {
            return 0;
        }
        int start = first.getKey();
        int n = first.getValue();
        runs.remove(start);
        if (n > 1) {
            runs.put(start + 1, n - 1);
        }
        pages--;
        return start;
    }

    /**
     * Removes the run that ends at {@code end} (the end of the file) and returns it, or null: so
     * that the file's page count can shrink instead of keeping free pages at its end.
     */
    public Run takeEndingAt(int end) {
        Map.Entry<Integer, Integer> last = runs.lastEntry();
        if (last == null || last.getKey() + last.getValue() != end) {
            return null;
        }
        runs.remove(last.getKey());
        pages -= last.getValue();
        return new Run(last.getKey(), last.getValue());
    }

    /** Pages held in runs that start below {@code page}. */
    public long pagesBelow(int page) {
        long n = 0;
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
        return runs.isEmpty();
    }

    /** The runs, in page order. */
    public List<Run> runs() {
        List<Run> out = new ArrayList<>(runs.size());
        for (Map.Entry<Integer, Integer> e : runs.entrySet()) {
            out.add(new Run(e.getKey(), e.getValue()));
        }
        return out;
    }
}
