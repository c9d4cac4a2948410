package dev.braid.perf.harness;

import dev.braid.store.Braid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.internals.StateRestoreCallbackAdapter;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One store of one kind, opened through its supplier in a fresh temporary state directory and used
 * as Kafka Streams uses the inner store: restore batches through the callback it registered
 * (adapted as Kafka's {@code StateRestoreCallbackAdapter} does), commits with the changelog offset
 * followed by its commit callback, reads and writes on {@link #store()}. {@link #close()} closes it
 * and deletes the directory. One thread.
 */
final class OpenStore implements AutoCloseable {
    static final TopicPartition CHANGELOG = new TopicPartition("bench-bench-changelog", 0);
    private static final long QUIET_NANOS = 200_000_000L;
    /**
     * Below this much usable space on the store's file system the run stops (the machine may be
     * shared; a store that grows far beyond its data must not fill the disk).
     */
    static final long MIN_FREE_BYTES = 8L << 30;

    final StoreKind kind;
    final long budgetBytes;
    private final Path dir;
    private final BenchContext context;
    private final KeyValueStore<Bytes, byte[]> store;
    private final RecordBatchingStateRestoreCallback restore;
    private long nextOffset;
    private long commits;
    private boolean storeClosed;
    private boolean released;

    private OpenStore(StoreKind kind, long budgetBytes, Path dir, Map<String, String> braidConfigs) {
        this.kind = kind;
        this.budgetBytes = budgetBytes;
        this.dir = dir;
        this.context = new BenchContext(dir, kind.appConfigs(budgetBytes, braidConfigs));
        this.store = kind.supplier(budgetBytes).get();
        store.init(context, store);
        this.restore = StateRestoreCallbackAdapter.adapt(context.restoreCallback());
    }

    /**
     * Opens a store of {@code kind} under {@code tmpRoot}: default settings when {@code budgetBytes}
     * is 0; a Braid store also gets {@code braidConfigs}.
     */
    static OpenStore open(StoreKind kind, long budgetBytes, Path tmpRoot, Map<String, String> braidConfigs) {
        try {
            Files.createDirectories(tmpRoot);
            return new OpenStore(kind, budgetBytes, Files.createTempDirectory(tmpRoot, "harness-" + kind.option + "-"),
                    braidConfigs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    KeyValueStore<Bytes, byte[]> store() {
        return store;
    }

    /** One polled batch of changelog records through the restore callback. */
    void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
        restore.restoreBatch(records);
    }

    /** The changelog offset of the next record written (restored or put); checks the free space now and then. */
    long nextOffset() {
        if ((nextOffset & 0xFFFF) == 0xFFFF) {
            checkFreeSpace();
        }
        return nextOffset++;
    }

    private void checkFreeSpace() {
        try {
            long free = Files.getFileStore(dir).getUsableSpace();
            if (free < MIN_FREE_BYTES) {
                throw new IllegalStateException(String.format(java.util.Locale.ROOT, "stopping: only %.1f GiB left on"
                        + " the disk of %s, whose %s store holds %.1f GiB", free / 1073741824.0, dir, kind.title,
                        diskBytes() / 1073741824.0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Kafka commit: {@code commit(offsets)}, then the commit callback. */
    void commit() {
        checkFreeSpace();
        store.commit(Map.of(CHANGELOG, nextOffset));
        context.afterStoreCommit();
        commits++;
    }

    long commits() {
        return commits;
    }

    /**
     * Waits until the store's data is in its final structure: for Braid every merge-tree segment
     * folded into the B+tree ({@code Braid.finishMerges}) and committed; for RocksDB no flush or
     * compaction running or due (read from the store's own gauges; the 4.3 store API has no flush
     * call, so memtables that are not full stay in memory, as in Kafka); nothing for the in-memory
     * store. Returns the {@link System#nanoTime()} at which that state was reached, which for RocksDB
     * may lie before the return (see {@link #waitForRocksDbIdle()}).
     */
    long finishMerges() {
        switch (kind) {
            case BRAID -> {
                braid(store).finishMerges();
                commit();
            }
            case ROCKSDB -> {
                return waitForRocksDbIdle();
            }
            case IN_MEMORY -> {
            }
        }
        return System.nanoTime();
    }

    /**
     * Before the disk is measured: lets each engine finish the background work that gives space
     * back, untimed in the tables (the log names the time): Braid's {@code compact()} (the tree
     * moved to the front of the file and the free end cut off, which its merge job does on its own
     * within about 30 seconds of a restore), RocksDB's flushes and compactions no longer running or
     * due; nothing for the in-memory store. Everything must be committed. Returns the milliseconds taken.
     */
    double reclaimSpace() {
        long t0 = System.nanoTime();
        switch (kind) {
            case BRAID -> braid(store).compact();
            case ROCKSDB -> waitForRocksDbIdle();
            case IN_MEMORY -> {
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /**
     * Polls every millisecond until two polls in a row see no flush or compaction running or due,
     * and returns the time of the first of them. Universal compaction's pending flag can stay 1 when
     * the picker finds nothing to merge; so "nothing running" for {@link #QUIET_NANOS} in a row also
     * ends the wait, dated from its start (the quiet period is not charged to RocksDB).
     */
    private long waitForRocksDbIdle() {
        long quietSince = -1;
        int idle = 0;
        while (true) {
            long now = System.nanoTime();
            boolean running = context.gauge("num-running-flushes") > 0 || context.gauge("num-running-compactions") > 0
                    || context.gauge("mem-table-flush-pending") > 0;
            boolean pending = context.gauge("compaction-pending") > 0;
            if (running) {
                quietSince = -1;
                idle = 0;
            } else {
                if (quietSince < 0) {
                    quietSince = now;
                }
                idle = pending ? 0 : idle + 1;
                if (idle >= 2 || now - quietSince >= QUIET_NANOS) {
                    return quietSince;
                }
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Bytes of all regular files in the store's state directory (0 for the in-memory store). */
    private long diskBytes() {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // a file removed by a compaction meanwhile
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Native memory RocksDB reports for the store (block cache use, memtables unless they are
     * charged to the cache, index and filter readers outside the cache); 0 for the Java stores.
     */
    long nativeBytes() {
        if (kind != StoreKind.ROCKSDB) {
            return 0;
        }
        double n = context.gauge("block-cache-usage") + context.gauge("estimate-table-readers-mem");
        if (budgetBytes == 0) {
            n += context.gauge("size-all-mem-tables");
        }
        return Double.isNaN(n) ? 0 : (long) n;
    }

    /** A gauge of the store's metrics, for the progress log (NaN when absent). */
    double gauge(String name) {
        return context.gauge(name);
    }

    /**
     * Closes the store and returns the bytes of its directory then: everything on disk (RocksDB
     * flushes its memtables at close, Braid checkpoints its log into the page file); the directory is
     * deleted afterwards.
     */
    long closeAndMeasureDisk() {
        store.close();
        storeClosed = true;
        long bytes = diskBytes();
        close();
        return bytes;
    }

    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            if (!storeClosed) {
                storeClosed = true;
                store.close();
            }
        } finally {
            context.close();
            deleteTree(dir);
        }
    }

    /**
     * The engine under Braid's store. The adapter keeps its accessor package-private ("for tests");
     * the harness reaches it by reflection rather than adding API for a benchmark.
     */
    static Braid braid(KeyValueStore<Bytes, byte[]> store) {
        try {
            Class<?> c = Class.forName("dev.braid.streams.BraidKeyValueStore");
            Method m = c.getDeclaredMethod("braid");
            m.setAccessible(true);
            return (Braid) m.invoke(store);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the engine of Braid's store (BraidKeyValueStore.braid())", e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
