package dev.braid.store.internal.page;

/** Placeholder while the engine is written. */
public final class PageCache {
    private final long cap;
    public PageCache(long cap) { this.cap = cap; }
    public long capacityBytes() { return cap; }
    public long usedBytes() { return 0; }
    public long hits() { return 0; }
    public long misses() { return 0; }
}
