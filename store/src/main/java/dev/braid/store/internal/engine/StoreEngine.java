package dev.braid.store.internal.engine;

import dev.braid.store.BraidStats;
import dev.braid.store.IntegrityFinding;
import dev.braid.store.WriteBatch;
import dev.braid.store.internal.btree.ScanBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a {@link dev.braid.store.Braid} handle calls: {@link Engine} for a store opened read-write,
 * {@link ReadOnlyEngine} for a read-only client. Implementations are thread safe.
 */
public interface StoreEngine {
    byte[] get(byte[] key);

    /** One iterator batch: up to {@code maxEntries} entries (or {@code maxBytes}) strictly after {@code after}. */
    ScanBatch scan(byte[] from, boolean fromInc, byte[] to, boolean toInc, boolean reverse, byte[] after,
            int maxEntries, long maxBytes);

    long count();

    /** Runs {@code reads} (reads of this store only) against one committed or current state. */
    <T> T readConsistently(java.util.function.Supplier<T> reads);

    Map<String, String> committedMetadata();

    long lastCommitSequence();

    void put(byte[] key, byte[] value);

    void delete(byte[] key);

    void blindPut(byte[] key, byte[] value);

    void blindDelete(byte[] key);

    void write(List<WriteBatch.Op> ops, boolean unlogged);

    /** Deletes every key of the range. */
    void deleteRange(byte[] from, boolean fromInc, byte[] to, boolean toInc);

    void commit(Map<String, String> meta);

    void finishMerges();

    void compact();

    void setMergesPaused(boolean paused);

    void checkpoint();

    List<IntegrityFinding> check();

    BraidStats stats();

    Path directory();

    /** Tracks an open iterator; {@code onClose} runs if the store closes first. Returns the unregistration. */
    Runnable registerIterator(Runnable onClose);

    void close();
}
