package dev.braid.store.internal.wal;

import java.util.Arrays;

/**
 * Page number to log frame offset, in two primitive arrays (open addressing, linear probing): the
 * log's index of its newest frames, which every read of a page looks into while the log holds
 * frames. A {@code HashMap<Integer, Long>} cost a boxed key and a node a page, and, large after a
 * big commit, a cache miss or two a lookup (a seventh of a 4 KiB get's samples). Page numbers are
 * at least 0 and offsets at least 0. Not thread safe: {@link LogFile} guards each index.
 */
public final class FrameIndex {
    private static final int EMPTY = -1;

    private int[] pages = new int[16];
    private long[] offsets = new long[16];
    private int size;

    public FrameIndex() {
        Arrays.fill(pages, EMPTY);
    }

    /** A copy of {@code other}. */
    public FrameIndex(FrameIndex other) {
        pages = other.pages.clone();
        offsets = other.offsets.clone();
        size = other.size;
    }

    private static int slot(int page, int mask) {
        int h = page * 0x9E3779B9; // Fibonacci hashing spreads runs of page numbers
        return (h ^ (h >>> 16)) & mask;
    }

    /** The offset of {@code page}'s frame, or -1 when there is none. */
    public long get(int page) {
        if (size == 0 || page < 0) { // a negative number would match an empty slot
            return -1;
        }
        int mask = pages.length - 1;
        for (int i = slot(page, mask); ; i = (i + 1) & mask) {
            int p = pages[i];
            if (p == page) {
                return offsets[i];
            }
            if (p == EMPTY) {
                return -1;
            }
        }
    }

    /** Sets {@code page}'s frame offset (replacing an older one). */
    public void put(int page, long offset) {
        if (page < 0 || offset < 0) {
            throw new IllegalArgumentException("page " + page + " at " + offset);
        }
        if (2 * (size + 1) > pages.length) {
            grow();
        }
        int mask = pages.length - 1;
        for (int i = slot(page, mask); ; i = (i + 1) & mask) {
            int p = pages[i];
            if (p == EMPTY) {
                pages[i] = page;
                offsets[i] = offset;
                size++;
                return;
            }
            if (p == page) {
                offsets[i] = offset;
                return;
            }
        }
    }

    /** Puts every entry of {@code other}. */
    public void putAll(FrameIndex other) {
        for (int i = 0; i < other.pages.length; i++) {
            if (other.pages[i] != EMPTY) {
                put(other.pages[i], other.offsets[i]);
            }
        }
    }

    private void grow() {
        int[] oldPages = pages;
        long[] oldOffsets = offsets;
        pages = new int[oldPages.length * 2];
        offsets = new long[oldPages.length * 2];
        Arrays.fill(pages, EMPTY);
        size = 0;
        for (int i = 0; i < oldPages.length; i++) {
            if (oldPages[i] != EMPTY) {
                put(oldPages[i], oldOffsets[i]);
            }
        }
    }

    /** The pages whose frame lies at or past {@code from}, in ascending order. */
    public int[] pagesFrom(long from) {
        int[] out = new int[size];
        int n = 0;
        for (int i = 0; i < pages.length; i++) {
            if (pages[i] != EMPTY && offsets[i] >= from) {
                out[n++] = pages[i];
            }
        }
        out = Arrays.copyOf(out, n);
        Arrays.sort(out);
        return out;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Drops every entry (and the memory of a large index). */
    public void clear() {
        if (pages.length > 1024) {
            pages = new int[16];
            offsets = new long[16];
        }
        Arrays.fill(pages, EMPTY);
        size = 0;
    }
}
