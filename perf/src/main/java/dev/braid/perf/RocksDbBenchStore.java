package dev.braid.perf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.RocksObject;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * RocksDB through rocksdbjni, set up the way Kafka Streams 4.3.1's {@code RocksDBStore} sets it
 * up when no {@code rocksdb.config.setter} is configured (read from the bytecode of
 * {@code RocksDBStore.openDB} in kafka-streams-4.3.1.jar):
 *
 * <ul>
 *   <li>BlockBasedTableConfig: 50 MiB LRU block cache (here: the benchmark's cache size), 4 KiB
 *       blocks, a default {@code BloomFilter()} (10 bits per key), optimize_filters_for_hits;
 *   <li>16 MiB write buffer, at most 3 write buffers, no compression, universal compaction;
 *   <li>atomic flush, info log level ERROR, increaseParallelism(max(cores, 2));
 *   <li>a second column family "offsets" (1 MiB write buffer, no compression) where a commit
 *       writes the changelog offset;
 *   <li>every write with the WAL disabled; no explicit flush at commit (RocksDB flushes a
 *       memtable when it is full, and at close).
 * </ul>
 *
 * With {@code flushAtCommit} a commit also flushes the memtables and waits, as Kafka Streams
 * releases before the offsets column family did at a commit that checkpointed.
 *
 * <p>Restore, as {@code RocksDBStore.restoreBatch} of 4.3.1 does it: one {@link WriteBatch} per
 * polled batch of changelog records (a put per record, a delete for a null value), written with
 * the same WAL-disabled {@link WriteOptions}, and nothing else: 4.3.1 has no bulk-loading mode
 * (no {@code toggleDbForBulkLoading}, {@code prepareForBulkload} or compaction at the end of a
 * restore; bulk loading was removed from Kafka Streams in 2020, KAFKA-10005). The end of a
 * restore here goes further than Kafka (which only records the offset and moves on): it writes
 * the offset, flushes the memtables and waits until no flush or compaction is pending or running,
 * so that the data ends in its final SST structure, as Braid's commit leaves it in its final
 * B+tree.
 */
final class RocksDbBenchStore implements BenchStore {
    /** Kafka's RocksDBStore constants. */
    static final long BLOCK_SIZE = 4096;
    static final long WRITE_BUFFER_SIZE = 16L << 20;
    static final int MAX_WRITE_BUFFERS = 3;
    static final long OFFSETS_WRITE_BUFFER_SIZE = 1L << 20;
    private static final byte[] OFFSETS_CF = "offsets".getBytes(StandardCharsets.UTF_8);
    /** What Kafka writes as the key of a changelog offset: a TopicPartition's toString. */
    private static final byte[] OFFSET_KEY = "bench-changelog-0".getBytes(StandardCharsets.UTF_8);

    static {
        RocksDB.loadLibrary();
    }

    private final List<RocksObject> resources; // closed in reverse order after the db
    private final LRUCache cache;
    private final long cacheBytes;
    private final RocksDB db;
    private final ColumnFamilyHandle data;
    private final ColumnFamilyHandle offsets;
    private final WriteOptions writeOptions;
    private final FlushOptions flushOptions;
    private final boolean flushAtCommit;
    private boolean closed;

    private RocksDbBenchStore(Path dir, long cacheBytes, boolean flushAtCommit) {
        this.flushAtCommit = flushAtCommit;
        this.cacheBytes = cacheBytes;
        this.resources = new ArrayList<>();
        this.cache = keep(new LRUCache(cacheBytes));
        BloomFilter filter = keep(new BloomFilter());
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setBlockSize(BLOCK_SIZE)
                .setFilterPolicy(filter);
        ColumnFamilyOptions dataOptions = keep(new ColumnFamilyOptions())
                .setOptimizeFiltersForHits(true)
                .setTableFormatConfig(table)
                .setWriteBufferSize(WRITE_BUFFER_SIZE)
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setCompactionStyle(CompactionStyle.UNIVERSAL)
                .setMaxWriteBufferNumber(MAX_WRITE_BUFFERS);
        ColumnFamilyOptions offsetsOptions = keep(new ColumnFamilyOptions())
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setWriteBufferSize(OFFSETS_WRITE_BUFFER_SIZE);
        DBOptions dbOptions = keep(new DBOptions())
                .setAtomicFlush(true)
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setErrorIfExists(false)
                .setInfoLogLevel(InfoLogLevel.ERROR_LEVEL)
                .setIncreaseParallelism(Math.max(Runtime.getRuntime().availableProcessors(), 2));
        this.writeOptions = keep(new WriteOptions()).setDisableWAL(true);
        this.flushOptions = keep(new FlushOptions()).setWaitForFlush(true);
        List<ColumnFamilyDescriptor> descriptors = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, dataOptions),
                new ColumnFamilyDescriptor(OFFSETS_CF, offsetsOptions));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            this.db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            closeResources();
            throw new IllegalStateException("cannot open RocksDB in " + dir, e);
        }
        this.data = handles.get(0);
        this.offsets = handles.get(1);
    }

    static Factory factory(long cacheBytes, boolean flushAtCommit) {
        return dir -> new RocksDbBenchStore(dir, cacheBytes, flushAtCommit);
    }

    private <T extends RocksObject> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public void put(byte[] key, byte[] value) {
        try {
            db.put(data, writeOptions, key, value);
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] get(byte[] key) {
        try {
            return db.get(data, key);
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void commit(long offset) {
        try {
            db.put(offsets, writeOptions, OFFSET_KEY, ByteBuffer.allocate(Long.BYTES).putLong(offset).array());
            if (flushAtCommit) {
                db.flush(flushOptions);
            }
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void restoreBatch(byte[][] keys, byte[][] values, int from, int to) {
        try (WriteBatch batch = new WriteBatch()) {
            for (int i = from; i < to; i++) {
                if (values[i] == null) {
                    batch.delete(data, keys[i]);
                } else {
                    batch.put(data, keys[i], values[i]);
                }
            }
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Finish finishRestore(long offset) {
        try {
            long t0 = System.nanoTime();
            db.put(offsets, writeOptions, OFFSET_KEY, ByteBuffer.allocate(Long.BYTES).putLong(offset).array());
            db.flush(flushOptions, List.of(data, offsets));
            long t1 = System.nanoTime();
            Idle idle = waitUntilIdle();
            return new Finish(idle.sinceNanos(), String.format(java.util.Locale.ROOT, "offset put + flush %.0f ms,"
                    + " then %.0f ms until no flush or compaction ran or was due; %s", (t1 - t0) / 1e6,
                    (idle.sinceNanos() - t1) / 1e6, idle.how()));
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How long a stale "compaction pending" flag must stay alone before it counts as idle. */
    static final long QUIET_NANOS = 200_000_000L;

    private record Idle(long sinceNanos, String how) {
    }

    /**
     * Polls RocksDB's properties every millisecond until no flush or compaction runs or is due,
     * and returns since when. Idle: no flush or compaction running, no memtable waiting for a
     * flush, and {@code rocksdb.compaction-pending} = 0, twice in a row (a flush or compaction that
     * ends schedules the next compaction before it stops counting as running). Universal
     * compaction's pending flag can stay 1 for good when the number of sorted runs equals the
     * trigger (4) but the picker finds nothing to merge (size ratios not met); so when nothing runs
     * or waits except that flag for {@link #QUIET_NANOS} without a change, the store counts as idle
     * since the start of that quiet stretch.
     */
    private Idle waitUntilIdle() throws RocksDBException {
        long polls = 0;
        int idleInARow = 0;
        long quietSince = -1;
        while (true) {
            polls++;
            long now = System.nanoTime();
            boolean running = db.getLongProperty("rocksdb.num-running-flushes") != 0
                    || db.getLongProperty("rocksdb.num-running-compactions") != 0
                    || db.getLongProperty(data, "rocksdb.mem-table-flush-pending") != 0
                    || db.getLongProperty(offsets, "rocksdb.mem-table-flush-pending") != 0;
            boolean pending = db.getLongProperty(data, "rocksdb.compaction-pending") != 0
                    || db.getLongProperty(offsets, "rocksdb.compaction-pending") != 0;
            if (running) {
                idleInARow = 0;
                quietSince = -1;
            } else {
                if (quietSince < 0) {
                    quietSince = now;
                }
                if (!pending && ++idleInARow >= 2) {
                    return new Idle(quietSince, polls + " polls, nothing pending");
                }
                if (pending) {
                    idleInARow = 0;
                    if (now - quietSince >= QUIET_NANOS) {
                        return new Idle(quietSince, polls + " polls; compaction-pending stayed 1 with nothing"
                                + " running for " + QUIET_NANOS / 1_000_000 + " ms (universal compaction had no"
                                + " merge to pick)");
                    }
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    @Override
    public ScanTotals scanAll() {
        long entries = 0;
        long bytes = 0;
        try (RocksIterator it = db.newIterator(data)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                byte[] v = it.value();
                entries++;
                bytes += k.length + v.length;
            }
            it.status();
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
        return new ScanTotals(entries, bytes);
    }

    @Override
    public String memoryNote() {
        try {
            long tableReaders = db.getLongProperty(data, "rocksdb.estimate-table-readers-mem");
            long memtables = db.getLongProperty(data, "rocksdb.cur-size-all-mem-tables");
            long running = db.getLongProperty("rocksdb.num-running-compactions");
            long pending = db.getLongProperty(data, "rocksdb.compaction-pending");
            // Universal compaction: each L0 file is a sorted run, and so is each non-empty level below.
            var dataFiles = db.getLiveFilesMetaData().stream()
                    .filter(f -> Arrays.equals(f.columnFamilyName(), RocksDB.DEFAULT_COLUMN_FAMILY)).toList();
            long runs = dataFiles.stream().filter(f -> f.level() == 0).count()
                    + dataFiles.stream().filter(f -> f.level() > 0).mapToInt(f -> f.level()).distinct().count();
            return String.format("block cache used %.1f MiB of %.1f MiB; index+filter outside the cache %.1f MiB;"
                    + " memtables %.1f MiB; %d SST files of data in %d sorted run(s), compactions running %d,"
                    + " pending %s",
                    mib(cache.getUsage()), mib(cacheBytes), mib(tableReaders), mib(memtables), dataFiles.size(), runs,
                    running, pending != 0 ? "yes" : "no");
        } catch (RocksDBException e) {
            return "(no memory figures: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        data.close();
        offsets.close();
        try {
            db.closeE();
        } catch (RocksDBException e) {
            throw new IllegalStateException("RocksDB close failed", e);
        } finally {
            closeResources();
        }
    }

    private void closeResources() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
