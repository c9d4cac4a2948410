package dev.braid.perf;

import java.nio.file.Path;

/**
 * The few operations the benchmark needs, implemented once per engine. A store is opened on a
 * directory, used by one thread and closed; {@link #close()} must leave everything that was
 * committed in the directory's files.
 */
interface BenchStore extends AutoCloseable {

    /** Opens (creating when missing) a store of one engine in a directory. */
    @FunctionalInterface
    interface Factory {
        BenchStore open(Path dir);
    }

    /** Writes one key. */
    void put(byte[] key, byte[] value);

    /** The value of {@code key}, or null when absent. */
    byte[] get(byte[] key);

    /**
     * What the engine does at a Kafka Streams commit; {@code offset} plays the changelog offset
     * that Kafka stores with the commit.
     */
    void commit(long offset);

    /**
     * Applies records {@code from} (inclusive) to {@code to} (exclusive) as one restore batch: what
     * the engine's Kafka Streams restore callback does with one batch of polled changelog records.
     */
    void restoreBatch(byte[][] keys, byte[][] values, int from, int to);

    /**
     * The end of a restore: records {@code offset} as the restored changelog offset and returns
     * once everything restored is in the engine's final on-disk structure (nothing left in memory
     * buffers, no merge or compaction pending or running). Returns when that state was reached and
     * a short note about what it did, for the progress log.
     */
    Finish finishRestore(long offset);

    /** Iterates every entry in ascending key order and returns how many there were and their bytes. */
    ScanTotals scanAll();

    /** One line about the engine's memory and cache use, for the progress log. */
    String memoryNote();

    /** Closes the store: afterwards its committed data is in the directory's files. */
    @Override
    void close();

    /**
     * Result of {@link #finishRestore}: {@code doneNanos} is the {@link System#nanoTime()} at which
     * the work was done (it may lie before the call returned, when telling that nothing more will
     * run took a quiet period of waiting), {@code note} a line for the progress log.
     */
    record Finish(long doneNanos, String note) {
    }

    /** Result of {@link #scanAll()}. */
    record ScanTotals(long entries, long bytes) {
    }
}
