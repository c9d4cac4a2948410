package dev.braid.store.internal.page;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A byte-bounded cache of clean decoded pages that several stores can share. Scan resistant in the
 * way of 2Q: a page enters a probation queue and moves to the protected LRU list only when hit
 * again, so a one-pass scan cannot flush the hot set. Stores also reserve bytes for their dirty
 * pages here, so that one budget bounds clean and dirty pages together (C1: clean + reserved bytes
 * stay at or below capacity except for what is reserved beyond it). Does no I/O. Thread safe: all
 * methods synchronize on this cache.
 */
public final class PageCache {
    private static final double PROBATION_SHARE = 0.25;

    private final long capacityBytes;
    private final LinkedHashMap<Long, Page> probation = new LinkedHashMap<>(256, 0.75f, false);
    private final LinkedHashMap<Long, Page> protectedLru = new LinkedHashMap<>(256, 0.75f, true);
    private long probationBytes;
    private long protectedBytes;
    private long reservedBytes;
    private long hits;
    private long misses;
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

    /** The page if cached (counting a hit), else null (counting a miss). */
    public synchronized Page get(int storeId, int pageNo) {
        long k = key(storeId, pageNo);
        Page p = protectedLru.get(k);
        if (p != null) {
            hits++;
            return p;
        }
        p = probation.remove(k);
        if (p != null) {
            hits++;
            long size = p.heapBytes();
            probationBytes -= size;
            protectedLru.put(k, p);
            protectedBytes += size;
            return p;
        }
        misses++;
        return null;
    }

    /** Caches a clean page (replacing any cached copy) and evicts to stay within budget. */
    public synchronized void put(int storeId, Page page) {
        long k = key(storeId, page.pageNo());
        removeKey(k);
        probation.put(k, page);
        probationBytes += page.heapBytes();
        evict();
    }

    /** Drops the cached copy of a page, if any. */
    public synchronized void remove(int storeId, int pageNo) {
        removeKey(key(storeId, pageNo));
    }

    private void removeKey(long k) {
        Page p = probation.remove(k);
        if (p != null) {
            probationBytes -= p.heapBytes();
        }
        p = protectedLru.remove(k);
        if (p != null) {
            protectedBytes -= p.heapBytes();
        }
    }

    /** Drops every page of one store (when it closes). */
    public synchronized void removeStore(int storeId) {
        probationBytes -= removeStore(probation, storeId);
        protectedBytes -= removeStore(protectedLru, storeId);
    }

    private static long removeStore(Map<Long, Page> map, int storeId) {
        long freed = 0;
        for (Iterator<Map.Entry<Long, Page>> it = map.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Page> e = it.next();
            if ((int) (e.getKey() >>> 32) == storeId) {
                freed += e.getValue().heapBytes();
                it.remove();
            }
        }
        return freed;
    }

    /** Charges (positive) or releases (negative) bytes held by a store's dirty pages. */
    public synchronized void reserve(long deltaBytes) {
        reservedBytes += deltaBytes;
        evict();
    }

    /** Bytes a store may still reserve before the budget is exhausted (0 when over). */
    public synchronized long headroomBytes() {
        return Math.max(0, capacityBytes - reservedBytes);
    }

    private void evict() {
        long probationCap = (long) (capacityBytes * PROBATION_SHARE);
        while (probationBytes + protectedBytes + reservedBytes > capacityBytes
                && (!probation.isEmpty() || !protectedLru.isEmpty())) {
            LinkedHashMap<Long, Page> from =
                    (probationBytes > probationCap || protectedLru.isEmpty()) && !probation.isEmpty()
                            ? probation : protectedLru;
            Iterator<Map.Entry<Long, Page>> it = from.entrySet().iterator();
            Page victim = it.next().getValue();
            it.remove();
            if (from == probation) {
                probationBytes -= victim.heapBytes();
            } else {
                protectedBytes -= victim.heapBytes();
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

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }
}
