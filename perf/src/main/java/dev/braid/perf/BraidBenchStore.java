package dev.braid.perf;

import dev.braid.store.Braid;
import dev.braid.store.BraidCache;
import dev.braid.store.BraidIterator;
import dev.braid.store.BraidOptions;
import dev.braid.store.BraidStats;
import dev.braid.store.Durability;
import dev.braid.store.Entry;
import dev.braid.store.KeyRange;
import dev.braid.store.WriteBatch;
import java.nio.file.Path;
import java.util.Map;

/**
 * Braid through its public API ({@link Braid}), with a private page cache of the same size as
 * RocksDB's block cache. A commit is {@link Braid#commit(Map)} with the offset as metadata, which
 * is how the streams adapter records a Kafka Streams commit.
 *
 * <p>A restore batch is one {@link WriteBatch} of {@link WriteBatch#blindPut blind puts} marked
 * {@link WriteBatch#unlogged() unlogged} (the changelog can replay them), applied with
 * {@link Braid#write}; the end of a restore is a commit (the buffer becomes a segment), then
 * {@link Braid#finishMerges()} (every segment folded into the B+tree by a bottom-up build) and a
 * second commit that makes the merged tree durable: the timed restore includes the whole merge.
 */
final class BraidBenchStore implements BenchStore {
    private final Braid braid;
    private final BraidCache cache;

    private BraidBenchStore(Braid braid, BraidCache cache) {
        this.braid = braid;
        this.cache = cache;
    }

    static Factory factory(long cacheBytes, int pageSizeBytes, Durability durability, long writeBufferBytes) {
        return dir -> {
            BraidOptions options = BraidOptions.builder()
                    .cacheBytes(cacheBytes)
                    .pageSizeBytes(pageSizeBytes)
                    .durability(durability)
                    .writeBufferBytes(writeBufferBytes)
                    .build();
            return new BraidBenchStore(Braid.open(dir, options), options.cache());
        };
    }

    @Override
    public void put(byte[] key, byte[] value) {
        braid.put(key, value);
    }

    @Override
    public byte[] get(byte[] key) {
        return braid.get(key);
    }

    @Override
    public void commit(long offset) {
        braid.commit(Map.of("offset", Long.toString(offset)));
    }

    @Override
    public void restoreBatch(byte[][] keys, byte[][] values, int from, int to) {
        WriteBatch batch = new WriteBatch().unlogged();
        for (int i = from; i < to; i++) {
            batch.blindPut(keys[i], values[i]);
        }
        braid.write(batch);
    }

    @Override
    public Finish finishRestore(long offset) {
        braid.commit(Map.of("offset", Long.toString(offset)));
        braid.finishMerges(); // the merge into the B+tree completed, and durable:
        braid.commit(Map.of("offset", Long.toString(offset)));
        return new Finish(System.nanoTime(), "commit, finishMerges, commit");
    }

    @Override
    public ScanTotals scanAll() {
        long entries = 0;
        long bytes = 0;
        try (BraidIterator it = braid.iterator(KeyRange.all())) {
            while (it.hasNext()) {
                Entry e = it.next();
                entries++;
                bytes += e.key().length + e.value().length;
            }
        }
        return new ScanTotals(entries, bytes);
    }

    @Override
    public String memoryNote() {
        BraidStats s = braid.stats();
        return String.format("cache used %.1f MiB of %.1f MiB, hits %,d, misses %,d; page file %.1f MiB, log %.1f MiB",
                mib(cache.usedBytes()), mib(cache.capacityBytes()), cache.hits(), cache.misses(),
                mib(s.pageFileBytes()), mib(s.logBytes()));
    }

    @Override
    public void close() {
        braid.close();
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
