package dev.braid.store.internal.btree;

import dev.braid.store.Entry;
import java.util.List;

/**
 * One batch of an iterator's entries, read under one read lock. {@code resumeKey} is the last key
 * the batch examined (it may be a deleted one that is not among the entries): the next batch starts
 * strictly after it. {@code endReached} ends the walk.
 */
public record ScanBatch(List<Entry> entries, boolean endReached, byte[] resumeKey) {
}
