package dev.braid.store;

/**
 * A snapshot of a store's numbers.
 *
 * @param pageSizeBytes page size of the store
 * @param pageFileBytes length of the page file
 * @param logBytes bytes of the log in use: its 512-byte header plus the frames since the last reset
 * @param pageCount pages allocated in the page file, header page included
 * @param freePages free pages: on the free list and in free runs (where segments and tree builds go)
 * @param entries exact number of keys
 * @param lastCommitSequence sequence number of the last commit
 * @param checkpoints checkpoints completed since open
 * @param bytesRead bytes read from the store's files since open
 * @param bytesWritten bytes written to the store's files since open
 * @param cacheHits page lookups answered by the page cache (shared budget: counts all its stores)
 * @param cacheMisses page lookups that had to read a file (shared budget: counts all its stores)
 * @param memoryBudgetBytes the memory budget (page cache plus write buffers) this store draws on
 * @param memoryUsedBytes memory held against that budget now (all stores sharing it)
 * @param writeBufferBytes bytes held by this store's in-memory write buffer
 * @param segments immutable merge-tree segments not yet merged into the B+tree
 * @param pendingMergeBytes bytes waiting to reach the B+tree: write buffer plus segments
 * @param merges merges completed since open (segment merges and merges into the B+tree)
 * @param writeStallNanos time writers spent slowed down or waiting for merges, since open
 */
public record BraidStats(int pageSizeBytes, long pageFileBytes, long logBytes, long pageCount, long freePages,
                         long entries, long lastCommitSequence, long checkpoints, long bytesRead,
                         long bytesWritten, long cacheHits, long cacheMisses, long memoryBudgetBytes,
                         long memoryUsedBytes, long writeBufferBytes, long segments, long pendingMergeBytes,
                         long merges, long writeStallNanos) {

    /** Share of page lookups answered by the cache, 0 when there were none. */
    public double cacheHitRatio() {
        long total = cacheHits + cacheMisses;
        return total == 0 ? 0 : (double) cacheHits / total;
    }
}
