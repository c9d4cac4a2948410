package dev.braid.store.internal.page;

import java.util.AbstractCollection;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The transaction's dirty pages by page number, in the order they became dirty: an open-addressing
 * table of {@code int} page numbers (no boxing, no entry objects: a lookup on every level of every
 * descent touches two arrays) over an insertion-ordered array with holes where pages left. Writer
 * only (not thread safe).
 */
final class DirtyPages {
    private static final int EMPTY = 0; // page 0 (the header) is never a dirty page
    private int[] keys = new int[64];
    private int[] slots = new int[64]; // index into order of the page at that table position
    private Page[] order = new Page[32];
    private int orderEnd; // order[0, orderEnd) holds the pages, null where one left
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    Page get(int pageNo) {
        int mask = keys.length - 1;
        for (int i = mix(pageNo) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == pageNo) {
                return order[slots[i]];
            }
            if (k == EMPTY) {
                return null;
            }
        }
    }

    boolean containsKey(int pageNo) {
        return get(pageNo) != null;
    }

    /** Adds {@code p} at the end of the order, replacing a page of the same number. */
    void put(Page p) {
        int pageNo = p.pageNo();
        if (size > 0 && get(pageNo) != null) {
            remove(pageNo);
        }
        if (pageNo == EMPTY) {
            throw new IllegalArgumentException("page 0 cannot be dirty");
        }
        if ((size + 1) * 2 > keys.length) {
            rehash(keys.length * 2);
        }
        if (orderEnd == order.length) {
            compactOrder(); // may grow it
        }
        order[orderEnd] = p;
        insert(pageNo, orderEnd++);
        size++;
    }

    /** Removes and returns the page {@code pageNo}, or null. */
    Page remove(int pageNo) {
        int mask = keys.length - 1;
        int i = mix(pageNo) & mask;
        while (keys[i] != pageNo) {
            if (keys[i] == EMPTY) {
                return null;
            }
            i = (i + 1) & mask;
        }
        Page p = order[slots[i]];
        order[slots[i]] = null;
        size--;
        // backward-shift deletion keeps every probe chain unbroken
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
            int home = mix(keys[j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                slots[hole] = slots[j];
                hole = j;
            }
        }
        keys[hole] = EMPTY;
        return p;
    }

    void clear() {
        Arrays.fill(keys, EMPTY);
        Arrays.fill(order, 0, orderEnd, null);
        orderEnd = 0;
        size = 0;
    }

    /** The pages, oldest first; its iterator supports {@code remove}. */
    Collection<Page> values() {
        return new AbstractCollection<>() {
            @Override
            public Iterator<Page> iterator() {
                return new Iterator<>() {
                    private int next = advance(0);
                    private int last = -1;

                    private int advance(int from) {
                        while (from < orderEnd && order[from] == null) {
                            from++;
                        }
                        return from;
                    }

                    @Override
                    public boolean hasNext() {
                        return next < orderEnd;
                    }

                    @Override
                    public Page next() {
                        if (next >= orderEnd) {
                            throw new NoSuchElementException();
                        }
                        last = next;
                        next = advance(next + 1);
                        return order[last];
                    }

                    @Override
                    public void remove() {
                        if (last < 0 || order[last] == null) {
                            throw new IllegalStateException();
                        }
                        DirtyPages.this.remove(order[last].pageNo()); // leaves order in place: indices hold
                        last = -1;
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    private void insert(int pageNo, int slot) {
        int mask = keys.length - 1;
        int i = mix(pageNo) & mask;
        while (keys[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        keys[i] = pageNo;
        slots[i] = slot;
    }

    /** Closes the holes in the order (growing it when it is more than half full) and re-indexes. */
    private void compactOrder() {
        Page[] to = size * 2 >= order.length ? new Page[order.length * 2] : order;
        int n = 0;
        for (int i = 0; i < orderEnd; i++) {
            if (order[i] != null) {
                to[n++] = order[i];
            }
        }
        if (to == order) {
            Arrays.fill(order, n, orderEnd, null);
        }
        order = to;
        orderEnd = n;
        rehash(keys.length);
    }

    private void rehash(int capacity) {
        keys = new int[capacity];
        slots = new int[capacity];
        for (int i = 0; i < orderEnd; i++) {
            if (order[i] != null) {
                insert(order[i].pageNo(), i);
            }
        }
    }

    private static int mix(int pageNo) {
        int h = pageNo * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
