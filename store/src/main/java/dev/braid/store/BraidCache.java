package dev.braid.store;

import dev.braid.store.internal.page.PageCache;

/**
 * A page cache with a budget in bytes, which several stores in one JVM may share: pass the same
 * instance to each store's {@link BraidOptions}. The budget bounds clean cached pages and the
 * dirty pages of open transactions together; a store spills dirty pages to its log rather than
 * exceed it. Thread safe.
 */
public final class BraidCache {
    private final PageCache cache;

    private BraidCache(long capacityBytes) {
        this.cache = new PageCache(capacityBytes);
    }

    /** A new cache bounded to {@code capacityBytes} (at least 64 KiB). */
    public static BraidCache ofBytes(long capacityBytes) {
        if (capacityBytes < 64 * 1024) {
            throw new IllegalArgumentException("cache capacity must be at least 64 KiB, got " + capacityBytes);
        }
        return new BraidCache(capacityBytes);
    }

    /** The budget in bytes. */
    public long capacityBytes() {
        return cache.capacityBytes();
    }

    /** Bytes currently held: clean cached pages plus dirty pages of all stores using this cache. */
    public long usedBytes() {
        return cache.usedBytes();
    }

    /** Lookups that found the page in memory, since creation. */
    public long hits() {
        return cache.hits();
    }

    /** Lookups that had to read the page from a file, since creation. */
    public long misses() {
        return cache.misses();
    }

    /** The engine's view of this cache. Not part of the public API. */
    public PageCache internal() {
        return cache;
    }
}
