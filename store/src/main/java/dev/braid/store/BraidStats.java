package dev.braid.store;

/**
 * A snapshot of a store's numbers.
 *
 * @param pageSizeBytes page size of the store
 * @param pageFileBytes length of the page file
 * @param logBytes bytes of the log in use: its 512-byte header plus the frames since the last reset
 * @param pageCount pages allocated in the page file, header page included
 * @param freePages pages on the free list
 * @param entries exact number of keys
 * @param lastCommitSequence sequence number of the last commit
 * @param checkpoints checkpoints completed since open
 * @param bytesRead bytes read from the store's files since open
 * @param bytesWritten bytes written to the store's files since open
 */
public record BraidStats(int pageSizeBytes, long pageFileBytes, long logBytes, long pageCount, long freePages,
                         long entries, long lastCommitSequence, long checkpoints, long bytesRead,
                         long bytesWritten) {
}
