package dev.braid.streams;

import dev.braid.store.BraidCache;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The JVM-wide memory budgets: one {@link BraidCache} per configured size, shared by every Braid
 * store of every task and every Kafka Streams instance in the process that asks for that size. A
 * cache is never dropped, so stores closed and reopened on rebalance land in the same budget.
 * Thread safe.
 */
final class SharedCaches {
    private static final ConcurrentMap<Long, BraidCache> BY_SIZE = new ConcurrentHashMap<>();

    private SharedCaches() {
    }

    /** The shared budget of {@code capacityBytes}, created on first use. */
    static BraidCache ofBytes(long capacityBytes) {
        return BY_SIZE.computeIfAbsent(capacityBytes, BraidCache::ofBytes);
    }
}
