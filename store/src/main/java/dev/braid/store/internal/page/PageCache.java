package dev.braid.store.internal.page;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

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

    /** A cached page with its CLOCK state; the flags are racy hints, which CLOCK tolerates. */
    private static final class Slot {
        final long key;
        final Page page;
        final long bytes;
        volatile boolean referenced;
        boolean protectedQueue;
        boolean removed;

        Slot(long key, Page page) {
            this.key = key;
            this.page = page;
            this.bytes = page.heapBytes();
        }
    }

    private final long capacityBytes;
    private final ConcurrentHashMap<Long, Slot> map = new ConcurrentHashMap<>();
    private final ArrayDeque<Slot> probation = new ArrayDeque<>();
    private final ArrayDeque<Slot> protectedQueue = new ArrayDeque<>();
    private long probationBytes;
    private long protectedBytes;
    private long reservedBytes;
    private int deadSlots;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private int nextStoreId = 1;

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

    /** The page if cached (counting a hit), else null (counting a miss). Lock-free. */
    public Page get(int storeId, int pageNo) {
        Slot s = map.get(key(storeId, pageNo));
        if (s == null) {
            misses.increment();
            return null;
        }
        if (!s.referenced) {
            s.referenced = true;
        }
        hits.increment();
        return s.page;
    }

    /** Caches a clean page (replacing any cached copy) and evicts to stay within budget. */
    public synchronized void put(int storeId, Page page) {
        long k = key(storeId, page.pageNo());
        Slot s = new Slot(k, page);
        Slot old = map.put(k, s);
        if (old != null) {
            unlink(old);
        }
        probation.addLast(s);
        probationBytes += s.bytes;
        evict();
    }

    /** Drops the cached copy of a page, if any. */
    public synchronized void remove(int storeId, int pageNo) {
        Slot old = map.remove(key(storeId, pageNo));
        if (old != null) {
            unlink(old);
        }
    }

    /** Marks a slot gone; its queue entry is skipped when the clock reaches it. */
    private void unlink(Slot s) {
        s.removed = true;
        if (++deadSlots > 1024 && deadSlots > map.size()) {
            probation.removeIf(x -> x.removed);
            protectedQueue.removeIf(x -> x.removed);
            deadSlots = 0;
        }
        if (s.protectedQueue) {
            protectedBytes -= s.bytes;
        } else {
            probationBytes -= s.bytes;
        }
    }

    /** Drops every page of one store (when it closes). */
    public synchronized void removeStore(int storeId) {
        map.values().removeIf(s -> {
            if ((int) (s.key >>> 32) == storeId) {
                unlink(s);
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

    /** Bytes a store may still reserve before the budget is exhausted (0 when over). */
    public synchronized long headroomBytes() {
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
            if (s.referenced && spins++ < 1_000_000) {
                s.referenced = false;
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
