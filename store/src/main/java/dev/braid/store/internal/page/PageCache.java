package dev.braid.store.internal.page;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * A byte-bounded cache of clean decoded pages that several stores can share. Scan resistant in the
 * way of 2Q: a page enters a probation queue and moves to the protected queue only if it was hit
 * while on probation, so a one-pass scan cannot flush the hot set. Both queues are CLOCK lists (a
 * hit only sets a flag), so lookups take no lock. Stores also reserve bytes here for their dirty
 * pages, so that one budget bounds clean and dirty pages together (C1: clean + reserved bytes stay
 * at or below capacity while any clean page is left to evict). Does no I/O.
 *
 * <p>Thread safety: {@link #get} is lock-free; insertions, removals, reservations and eviction
 * synchronize on this cache.
 */
public final class PageCache {
    private static final double PROBATION_SHARE = 0.25;

    /**
     * A cached page with its CLOCK state (the referenced flag is on the page, so a hit through a
     * {@link PageTable} can set it); the flags are racy hints, which CLOCK tolerates.
     */
    private static final class Slot {
        final long key;
        /** Null once the slot is removed: a dead slot waits in its queue, and must not keep the page alive. */
        Page page;
        final long bytes;
        final PageTable table;
        boolean protectedQueue;
        boolean removed;

        Slot(long key, Page page, PageTable table) {
            this.key = key;
            this.page = page;
            this.bytes = page.heapBytes() + SLOT_BYTES;
            this.table = table;
        }
    }

    /**
     * Heap bytes a cached page costs besides its own {@link Page#heapBytes}: its slot, the map's node,
     * boxed key and table entry, and its queue entry. Charged with the page, so that the budget bounds
     * what the cache really holds.
     */
    static final long SLOT_BYTES = 40 + 32 + 16 + 8 + 8;

    private final long capacityBytes;
    private final ConcurrentHashMap<Long, Slot> map = new ConcurrentHashMap<>();
    private final ArrayDeque<Slot> probation = new ArrayDeque<>();
    private final ArrayDeque<Slot> protectedQueue = new ArrayDeque<>();
    private long probationBytes;
    private long protectedBytes;
    private volatile long reservedBytes; // written under the monitor, read without it by headroomBytes
    private int deadSlots;
    private final HitCounter hits = new HitCounter();
    private final LongAdder misses = new LongAdder();
    private int nextStoreId = 1;
    private final HashMap<Integer, PageTable> tables = new HashMap<>();

    public PageCache(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    private static long key(int storeId, int pageNo) {
        return ((long) storeId << 32) | (pageNo & 0xFFFFFFFFL);
    }

    /** A fresh id for a store that will use this cache. */
    public synchronized int newStoreId() {
        return nextStoreId++;
    }

    /**
     * A table of {@code storeId}'s pages in memory, kept by this cache from now on: its cached pages
     * enter and leave it with the cache, its dirty pages with {@link #adoptDirty} and
     * {@link #remove}. The store looks pages up there ({@link PageTable#get}) instead of calling
     * {@link #get}.
     */
    public synchronized PageTable newTable(int storeId) {
        PageTable t = new PageTable();
        tables.put(storeId, t);
        return t;
    }

    /** The page if cached (counting a hit), else null (counting a miss). Lock-free. */
    public Page get(int storeId, int pageNo) {
        Slot s = map.get(key(storeId, pageNo));
        Page p = s == null ? null : s.page; // null: removed since the map lookup
        if (p == null) {
            misses.increment();
            return null;
        }
        hit(p);
        return p;
    }

    /** Counts a hit on a cached page found through a {@link PageTable}. Lock-free. */
    void hit(Page p) {
        if (!p.referenced) {
            p.referenced = true;
        }
        hits.increment();
    }

    /** Counts a miss of a lookup through a {@link PageTable}. */
    void miss() {
        misses.increment();
    }

    /** Caches a clean page (replacing any cached copy) and evicts to stay within budget. */
    public synchronized void put(int storeId, Page page) {
        insert(storeId, page);
        evict();
    }

    private void insert(int storeId, Page page) {
        long k = key(storeId, page.pageNo());
        PageTable t = tables.get(storeId);
        Slot s = new Slot(k, page, t);
        Slot old = map.put(k, s);
        if (old != null) {
            unlink(old);
        }
        if (t != null) {
            reservedBytes += t.set(page);
        }
        probation.addLast(s);
        probationBytes += s.bytes;
    }

    /**
     * Caches a clean page only if it fits without evicting anything (a page offered in passing, such
     * as a value page a build has just written); {@code page} makes it, charged {@code heapBytes},
     * and is called only when it fits, so a full cache costs no copy. Returns whether it did.
     */
    public synchronized boolean putIfRoom(int storeId, int pageNo, long heapBytes, Supplier<? extends Page> page) {
        PageTable t = tables.get(storeId);
        long cost = heapBytes + SLOT_BYTES + (t == null ? 0 : t.costToSet(pageNo));
        if (probationBytes + protectedBytes + reservedBytes + cost > capacityBytes) {
            return false;
        }
        insert(storeId, page.get());
        return true;
    }

    /**
     * Caches pages that were dirty and are clean now (a commit), releasing {@code releasedBytes}
     * reserved for them first, then evicting once.
     */
    synchronized void putAll(int storeId, Collection<Page> pages, long releasedBytes) {
        reservedBytes -= releasedBytes;
        for (Page p : pages) {
            insert(storeId, p);
        }
        evict();
    }

    /**
     * Takes a page of {@code storeId} out of the cache (P1) into the store's table as a dirty page,
     * reserving {@code bytes} for it.
     */
    synchronized void adoptDirty(int storeId, Page page, long bytes) {
        Slot old = map.remove(key(storeId, page.pageNo()));
        if (old != null) {
            unlink(old);
        }
        PageTable t = tables.get(storeId);
        reservedBytes += bytes + t.set(page);
        evict();
    }

    /** Drops the cached copy of a page, if any, and the page from the store's table. */
    public synchronized void remove(int storeId, int pageNo) {
        Slot old = map.remove(key(storeId, pageNo));
        if (old != null) {
            unlink(old);
        }
        PageTable t = tables.get(storeId);
        if (t != null) {
            reservedBytes -= t.clear(pageNo, null);
        }
    }

    /**
     * Marks a slot gone and lets go of its page; the queue entry is skipped when the clock reaches it
     * (dead entries are swept once there are a quarter as many as live ones).
     */
    private void unlink(Slot s) {
        markRemoved(s);
        if (++deadSlots > 1024 && deadSlots > map.size() / 4) {
            probation.removeIf(x -> x.removed);
            protectedQueue.removeIf(x -> x.removed);
            deadSlots = 0;
        }
    }

    /** Marks {@code s} dead (its queue entry goes at the next sweep) and stops charging its bytes. */
    private void markRemoved(Slot s) {
        s.removed = true;
        s.page = null;
        if (s.protectedQueue) {
            protectedBytes -= s.bytes;
        } else {
            probationBytes -= s.bytes;
        }
    }

    /** Drops every page of one store (when it closes). */
    public synchronized void removeStore(int storeId) {
        PageTable t = tables.remove(storeId);
        if (t != null) {
            reservedBytes -= t.clearAll();
        }
        map.values().removeIf(s -> {
            if ((int) (s.key >>> 32) == storeId) {
                markRemoved(s); // one sweep of the queues below, not one every quarter of the map
                return true;
            }
            return false;
        });
        probation.removeIf(s -> s.removed);
        protectedQueue.removeIf(s -> s.removed);
        deadSlots = 0;
    }

    /** Charges (positive) or releases (negative) bytes held by a store's dirty pages. */
    public synchronized void reserve(long deltaBytes) {
        reservedBytes += deltaBytes;
        evict();
    }

    /** Bytes a store may still reserve before the budget is exhausted (0 when over). Lock-free (a writer asks after every write). */
    public long headroomBytes() {
        return Math.max(0, capacityBytes - reservedBytes); // clean pages can always be evicted
    }

    private void evict() {
        long probationCap = (long) (capacityBytes * PROBATION_SHARE);
        int spins = 0;
        while (probationBytes + protectedBytes + reservedBytes > capacityBytes) {
            boolean fromProbation = !probation.isEmpty() && (probationBytes > probationCap || protectedQueue.isEmpty());
            ArrayDeque<Slot> q = fromProbation ? probation : protectedQueue;
            Slot s = q.pollFirst();
            if (s == null) {
                return; // nothing clean left: the rest is reserved by dirty pages
            }
            if (s.removed) {
                deadSlots--;
                continue;
            }
            if (s.page.referenced && spins++ < 1_000_000) {
                s.page.referenced = false;
                if (fromProbation) { // hit while on probation: promote
                    probationBytes -= s.bytes;
                    protectedBytes += s.bytes;
                    s.protectedQueue = true;
                }
                protectedQueue.addLast(s);
                continue;
            }
            s.removed = true;
            map.remove(s.key, s);
            if (s.table != null) {
                reservedBytes -= s.table.clear(s.page.pageNo(), s.page);
            }
            s.page = null;
            if (s.protectedQueue) {
                protectedBytes -= s.bytes;
            } else {
                probationBytes -= s.bytes;
            }
        }
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** Clean cached bytes plus bytes reserved for dirty pages. */
    public synchronized long usedBytes() {
        return probationBytes + protectedBytes + reservedBytes;
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }
}
