package dev.braid.store.internal.btree;

import dev.braid.store.Entry;
import java.util.List;

/** One batch of an iterator's entries, read under one read lock; {@code endReached} ends the walk. */
public record ScanBatch(List<Entry> entries, boolean endReached) {
}
