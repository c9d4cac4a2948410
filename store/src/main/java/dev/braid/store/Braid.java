package dev.braid.store;

import dev.braid.store.internal.engine.Engine;
import dev.braid.store.internal.engine.ReadOnlyEngine;
import dev.braid.store.internal.engine.StoreEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An open Braid store: one directory holding a page file and a write-ahead log. Keys and values are
 * byte arrays; keys compare as unsigned bytes.
 *
 * <p>Writes ({@link #put}, {@link #delete}, {@link #write}) are visible to every reader at once and
 * become durable together, with a small metadata map, at the next {@link #commit}. After a crash the
 * store reopens exactly at its last commit; writes made after it are gone.
 *
 * <p>Thread safety: any number of threads may read while one writes; the store serializes writes
 * from several threads itself (Kafka Streams has one writer per store, the stream thread).
 * Iterators stay usable while the store is written and are closed when the store is.
 */
public final class Braid implements AutoCloseable {
    /** Longest key accepted, in bytes. */
    public static final int MAX_KEY_BYTES = 64 * 1024;
    /** Longest value accepted, in bytes. */
    public static final int MAX_VALUE_BYTES = Integer.MAX_VALUE - 1024;

    private final StoreEngine engine;

    private Braid(StoreEngine engine) {
        this.engine = engine;
    }

    /**
     * Opens the store in {@code dir}, creating it when missing (unless the options say not to) and
     * recovering the last commit after a crash.
     *
     * @throws IncompatibleFormatException the directory holds a foreign or newer-format file
     * @throws CorruptionException the committed state cannot be read back
     * @throws StoreLockedException another open store holds the directory
     */
    public static Braid open(Path dir, BraidOptions options) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        return new Braid(Engine.open(dir, options));
    }

    /** {@link #open(Path, BraidOptions)} with default options. */
    public static Braid open(Path dir) {
        return open(dir, BraidOptions.defaults());
    }

    /**
     * Opens the store in {@code dir} read-only, at its last commit, without taking its lock and
     * without writing, creating or syncing anything (after a crash too: the committed frames of the
     * log are read in memory, uncommitted ones ignored). So it can inspect a store that an
     * application in another process has open and is writing, without disturbing it.
     *
     * <p>Reads answer from one commit: the last one when the store was opened. When the writer
     * checkpoints a newer commit over the page file (or restarts its log), the next operation moves
     * to the then-last commit ({@link #lastCommitSequence()} tells which), and an operation that was
     * under way is run again there, so every answer is exactly some committed state, never a mix.
     * An iterator stays in key order without repeats, but its later batches may come from the newer
     * commit. When the writer keeps checkpointing over every attempt, an operation gives up with
     * {@link StoreBusyException}. Writes throw {@link ReadOnlyStoreException}. Of {@code options}
     * only the cache and the file system are used.
     *
     * @throws IncompatibleFormatException the directory holds a foreign or newer-format file
     * @throws CorruptionException the last commit cannot be read back
     * @throws BraidException there is no store in {@code dir}
     */
    public static Braid openReadOnly(Path dir, BraidOptions options) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        return new Braid(ReadOnlyEngine.open(dir, options));
    }

    /** {@link #openReadOnly(Path, BraidOptions)} with default options (a private 64 MiB cache). */
    public static Braid openReadOnly(Path dir) {
        return openReadOnly(dir, BraidOptions.defaults());
    }

    /** The value of {@code key}, or null when absent. */
    public byte[] get(byte[] key) {
        return engine.get(checkKey(key));
    }

    /** Sets {@code key} to {@code value} (a B+tree write, or through the merge-tree: see {@link WriteMode}). */
    public void put(byte[] key, byte[] value) {
        engine.put(checkKey(key), checkValue(value));
    }

    /** Removes {@code key}; no effect when absent. */
    public void delete(byte[] key) {
        engine.delete(checkKey(key));
    }

    /**
     * A blind write: sets {@code key} without reading anything or touching a tree page. It goes to
     * an in-memory write buffer and is visible to readers at once like any write. A full buffer is
     * written as an immutable sorted segment straight into the page file; background merges combine
     * segments and fold them into the B+tree (bottom-up). At commit a small buffer goes into the
     * tree instead, when that is cheaper. For restores and other bulk loads.
     */
    public void blindPut(byte[] key, byte[] value) {
        engine.blindPut(checkKey(key), checkValue(value));
    }

    /** A blind delete: see {@link #blindPut}. */
    public void blindDelete(byte[] key) {
        engine.blindDelete(checkKey(key));
    }

    /** Applies every operation of {@code batch} atomically. */
    public void write(WriteBatch batch) {
        Objects.requireNonNull(batch, "batch");
        for (WriteBatch.Op op : batch.ops()) {
            if (op.isRangeDelete()) {
                continue;
            }
            checkKey(op.key());
            if (op.value() != null) {
                checkValue(op.value());
            }
        }
        engine.write(batch.ops(), batch.isUnlogged());
    }

    /**
     * Deletes every key of {@code range}, atomically with the next commit like any write, and visible
     * at once. Meant for dropping whole key ranges (a window store's expired time segment): the pages
     * of the B+tree that lie wholly inside the range are to be freed without being rewritten.
     */
    public void deleteRange(KeyRange range) {
        Objects.requireNonNull(range, "range");
        engine.deleteRange(range.fromRef(), range.fromInclusive(), range.toRef(), range.toInclusive());
    }

    /** Iterates {@code range} in ascending key order. */
    public BraidIterator iterator(KeyRange range) {
        return new BraidIterator(engine, Objects.requireNonNull(range, "range"), false);
    }

    /** Iterates {@code range} in descending key order. */
    public BraidIterator reverseIterator(KeyRange range) {
        return new BraidIterator(engine, Objects.requireNonNull(range, "range"), true);
    }

    /**
     * Runs {@code reads} (gets and iterations of this store, nothing else) so that they all see one
     * state: no write of this store lands in between. Keep it short: the store's writer waits
     * meanwhile. A write inside throws {@link IllegalStateException}. On a read-only store the reads
     * all run on one committed state (repeated if the writer checkpointed over it meanwhile).
     */
    public <T> T readConsistently(java.util.function.Supplier<T> reads) {
        return engine.readConsistently(Objects.requireNonNull(reads, "reads"));
    }

    /** The exact number of keys, committed or not. */
    public long count() {
        return engine.count();
    }

    /**
     * Makes every write since the last commit durable, atomically with {@code metadata}, which
     * replaces the previous commit's metadata. With {@link Durability#FULL} the commit has reached
     * stable storage when this returns.
     */
    public void commit(Map<String, String> metadata) {
        engine.commit(Map.copyOf(Objects.requireNonNull(metadata, "metadata")));
    }

    /** The metadata of the last commit (empty for a new store). */
    public Map<String, String> committedMetadata() {
        return engine.committedMetadata();
    }

    /**
     * Sequence number of the last commit: 0 for a new store, then growing by one with each commit,
     * including the commits {@link #compact()} makes (which carry the metadata of the commit before
     * them).
     */
    public long lastCommitSequence() {
        return engine.lastCommitSequence();
    }

    /**
     * Verifies the committed files and the in-memory state: checksums, key order, page
     * reachability, the free list and the entry count. Returns what it found; empty means clean.
     */
    public List<IntegrityFinding> check() {
        return engine.check();
    }

    /**
     * Pauses background merges: no segment merge or fold starts until {@link #resumeMerges()} (one in
     * progress finishes), nor does the cache warm-up after a build. Segments then pile up (reads
     * probe more of them), and writes are not slowed down for it. {@link #finishMerges()} still folds
     * everything. For operators who need the cores for a while, and for measuring reads over
     * unmerged segments. Not persistent: a reopened store merges again.
     */
    public void pauseMerges() {
        engine.setMergesPaused(true);
    }

    /** Lets background merges run again after {@link #pauseMerges()}. */
    public void resumeMerges() {
        engine.setMergesPaused(false);
    }

    /**
     * Waits until the background merge has folded every segment of the merge-tree into the B+tree
     * (reads are then B+tree reads only). The folded tree becomes durable at the next commit.
     */
    public void finishMerges() {
        engine.finishMerges();
    }

    /**
     * Makes the page file about as small as the data: folds every segment into the B+tree, moves
     * the tree to the front of the file when much of it is free, and cuts the free end off. The
     * background merges do the same on their own (a relocation at most every 30 seconds, made
     * durable by the writer's next commit); this runs it now and waits for it, after a large
     * restore for instance.
     * It commits its own steps, with the same data and metadata as the last commit, so nothing may
     * have been written since then: {@link IllegalStateException} otherwise. Reads go on meanwhile;
     * writes wait for each step to be installed.
     */
    public void compact() {
        engine.compact();
    }

    /** Copies committed log frames into the page file now and lets the log be reused. */
    public void checkpoint() {
        engine.checkpoint();
    }

    /** Numbers that describe the store's files and activity. */
    public BraidStats stats() {
        return engine.stats();
    }

    /** The store's directory. */
    public Path directory() {
        return engine.directory();
    }

    /**
     * Checkpoints and closes the files. Writes made since the last commit are discarded, exactly as
     * after a crash. Open iterators are closed. Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    private static byte[] checkKey(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key of " + key.length + " bytes exceeds the limit of "
                    + MAX_KEY_BYTES);
        }
        return key;
    }

    private static byte[] checkValue(byte[] value) {
        Objects.requireNonNull(value, "value (use delete to remove a key)");
        if (value.length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("value of " + value.length + " bytes exceeds the limit of "
                    + MAX_VALUE_BYTES);
        }
        return value;
    }
}
