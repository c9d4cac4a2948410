package dev.braid.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The workloads, run in a fixed sequence on one fresh directory: load, close, measure the files,
 * reopen, read. Data is generated up front so that generating it is never timed; each workload is
 * timed as a whole with {@link System#nanoTime()}. Results are checked for correctness (every
 * existing key found with its value, no missing key found, the scan sees every entry) but
 * timings are only recorded, never judged.
 */
final class Workloads {
    static final int KEY_BYTES = 16;
    /** 100 bytes, or {@code -Dbraid.bench.valueBytes} (e.g. 4096 for the large-value case). */
    static final int VALUE_BYTES = Integer.getInteger("braid.bench.valueBytes", 100);

    private Workloads() {
    }

    /**
     * Keys, values and read orders for one size. Existing keys end in an even byte and missing
     * keys in an odd one, so the two sets never meet while both stay spread over the whole key
     * space.
     */
    record Dataset(byte[][] keys, byte[][] values, byte[][] missing, int[] readOrder) {
        static Dataset generate(int n, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            byte[][] keys = new byte[n][];
            byte[][] values = new byte[n][];
            byte[][] missing = new byte[n][];
            for (int i = 0; i < n; i++) {
                keys[i] = randomBytes(random, KEY_BYTES);
                keys[i][KEY_BYTES - 1] &= (byte) 0xFE;
                values[i] = randomBytes(random, VALUE_BYTES);
            }
            for (int i = 0; i < n; i++) {
                missing[i] = randomBytes(random, KEY_BYTES);
                missing[i][KEY_BYTES - 1] |= 1;
            }
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates: reads follow another order than the load
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            return new Dataset(keys, values, missing, order);
        }

        int size() {
            return keys.length;
        }

        private static byte[] randomBytes(SplittableRandom random, int length) {
            byte[] b = new byte[length];
            random.nextBytes(b);
            return b;
        }
    }

    /**
     * The records of a changelog restore: random keys (distinct, as in a compacted changelog) and
     * values, applied in this order, and the order of the random gets afterwards (distinct
     * records, a random sample of them).
     */
    record RestoreData(byte[][] keys, byte[][] values, int[] getOrder) {
        static RestoreData generate(int n, int gets, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            byte[][] keys = new byte[n][];
            byte[][] values = new byte[n][];
            for (int i = 0; i < n; i++) {
                keys[i] = Dataset.randomBytes(random, KEY_BYTES);
                values[i] = Dataset.randomBytes(random, VALUE_BYTES);
            }
            // Random 16-byte keys collide with probability ~n^2 / 2^129: never in practice. Made
            // certain anyway (untimed), since the gets and the record count rely on it.
            byte[][] sorted = keys.clone();
            Arrays.sort(sorted, Arrays::compareUnsigned);
            for (int i = 1; i < n; i++) {
                if (Arrays.equals(sorted[i - 1], sorted[i])) {
                    throw new IllegalStateException("duplicate random key; choose another --seed");
                }
            }
            int g = Math.min(gets, n);
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            for (int i = 0; i < g; i++) { // partial Fisher-Yates: the first g are a random sample
                int j = i + random.nextInt(n - i);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            return new RestoreData(keys, values, Arrays.copyOf(order, g));
        }

        int size() {
            return keys.length;
        }
    }

    /**
     * The restore workload against a new store in {@code dir} (which must be empty): the records
     * in batches of {@code batchSize} ({@link BenchStore#restoreBatch}), then
     * {@link BenchStore#finishRestore} with the offset of the last record + 1, timed as a whole
     * and in its two parts; the size of the files; then the random gets on the restored store
     * (still open: what a stream thread does next).
     */
    static Map<Metric, Double> runRestore(BenchStore.Factory factory, Path dir, RestoreData data, int batchSize,
            Consumer<String> log) {
        int n = data.size();
        Map<Metric, Double> out = new EnumMap<>(Metric.class);
        Quiesce.run();
        BenchStore store = factory.open(dir);
        try {
            ProcessCounters start = ProcessCounters.now();
            for (int from = 0; from < n; from += batchSize) {
                store.restoreBatch(data.keys, data.values, from, Math.min(n, from + batchSize));
            }
            ProcessCounters ingested = ProcessCounters.now();
            BenchStore.Finish finish = store.finishRestore(n);
            ProcessCounters end = ProcessCounters.now();
            long doneNanos = Math.min(finish.doneNanos(), end.nanos()) - start.nanos();
            String finishNote = finish.note();
            out.put(Metric.RESTORE, perSecond(n, doneNanos));
            out.put(Metric.RESTORE_INGEST, perSecond(n, ingested.nanosSince(start)));
            out.put(Metric.RESTORE_FINISH, (doneNanos - ingested.nanosSince(start)) / 1e6);
            out.put(Metric.RESTORE_CPU, end.cpuMicrosPerOp(start, n));
            out.put(Metric.RESTORE_WRITTEN, end.writtenPerOp(start, n));
            out.put(Metric.RESTORE_GC, end.gcMillisSince(start));
            out.put(Metric.RESTORE_DISK, (double) directoryBytes(dir) / n);
            log.accept(String.format(java.util.Locale.ROOT, "restore: ingest %.2f s (GC %.2f s), finish %.2f s"
                    + " (GC %.2f s; %s); %s", ingested.nanosSince(start) / 1e9, ingested.gcMillisSince(start) / 1e3,
                    (doneNanos - ingested.nanosSince(start)) / 1e9, end.gcMillisSince(ingested) / 1e3, finishNote,
                    safeNote(store)));

            int gets = data.getOrder.length;
            if (gets == 0) {
                store.close();
                return out;
            }
            timedGets(store, data.keys, data.getOrder, gets, "gets after restore", out, Metric.RESTORE_GET,
                    Metric.RESTORE_GET_CPU, Metric.RESTORE_GET_READ);
            for (int i = 0; i < gets; i += 97) { // untimed spot check of contents
                int k = data.getOrder[i];
                check(Arrays.equals(store.get(data.keys[k]), data.values[k]), "wrong value for restored key #" + k);
            }
            log.accept("after gets: " + safeNote(store));
        } catch (RuntimeException e) {
            closeQuietly(store, e);
            throw e;
        }
        store.close();
        return out;
    }

    /**
     * Runs the load workload (load, close, size, reopen, gets, missing-key gets, scan) once against
     * a new store in {@code dir} (which must be empty) and returns the figures. {@code log}
     * receives notes about memory use.
     */
    static Map<Metric, Double> run(BenchStore.Factory factory, Path dir, Dataset data, int commitEvery,
            Consumer<String> log) {
        int n = data.size();
        Map<Metric, Double> out = new EnumMap<>(Metric.class);

        // 1. Load: n puts in generation order (the keys are random, so this is random key order),
        //    a commit every commitEvery puts and one after the last put; then close.
        Quiesce.run();
        BenchStore store = factory.open(dir);
        ProcessCounters loadStart;
        ProcessCounters loadEnd;
        ProcessCounters closeEnd;
        try {
            loadStart = ProcessCounters.now();
            long committed = 0;
            for (int i = 0; i < n; i++) {
                store.put(data.keys[i], data.values[i]);
                if ((i + 1) % commitEvery == 0) {
                    store.commit(i + 1);
                    committed = i + 1;
                }
            }
            if (committed != n) {
                store.commit(n);
            }
            loadEnd = ProcessCounters.now();
            log.accept("after load: " + safeNote(store));
        } catch (RuntimeException e) {
            closeQuietly(store, e);
            throw e;
        }
        ProcessCounters closeStart = ProcessCounters.now();
        store.close();
        closeEnd = ProcessCounters.now();
        long loadNanos = loadEnd.nanosSince(loadStart);
        long closeNanos = closeEnd.nanosSince(closeStart);
        out.put(Metric.PUT, perSecond(n, loadNanos));
        out.put(Metric.CLOSE_AFTER_LOAD, closeNanos / 1e6);
        out.put(Metric.PUT_WITH_CLOSE, perSecond(n, loadNanos + closeNanos));
        out.put(Metric.PUT_CPU, closeEnd.cpuMicrosPerOp(loadStart, n));
        out.put(Metric.PUT_WRITTEN, closeEnd.writtenPerOp(loadStart, n));

        // 2. Files after the load and a clean close.
        long diskBytes = directoryBytes(dir);
        out.put(Metric.DISK_TOTAL, diskBytes / (1024.0 * 1024.0));
        out.put(Metric.DISK_PER_ENTRY, (double) diskBytes / n);
        out.put(Metric.RAW_PER_ENTRY, (double) (KEY_BYTES + VALUE_BYTES));

        // 3. Reopen: the engine's own cache starts empty (the OS page cache is left as it is).
        Quiesce.run();
        long t0 = System.nanoTime();
        store = factory.open(dir);
        out.put(Metric.REOPEN, (System.nanoTime() - t0) / 1e6);
        try {
            // 4. n gets of existing keys, in a shuffled order.
            timedGets(store, data.keys, data.readOrder, n, "existing-key gets", out, Metric.GET_EXISTING,
                    Metric.GET_EXISTING_CPU, Metric.GET_EXISTING_READ);
            for (int i = 0; i < n; i += 997) { // untimed spot check of contents
                int k = data.readOrder[i];
                check(Arrays.equals(store.get(data.keys[k]), data.values[k]), "wrong value for key #" + k);
            }

            // 5. n gets of keys that are not in the store, same shuffled order.
            Quiesce.run();
            ProcessCounters missStart = ProcessCounters.now();
            long wrongHits = 0;
            for (int i = 0; i < n; i++) {
                if (store.get(data.missing[data.readOrder[i]]) != null) {
                    wrongHits++;
                }
            }
            ProcessCounters missEnd = ProcessCounters.now();
            check(wrongHits == 0, wrongHits + " missing keys were found");
            out.put(Metric.GET_MISSING, perSecond(n, missEnd.nanosSince(missStart)));
            out.put(Metric.GET_MISSING_CPU, missEnd.cpuMicrosPerOp(missStart, n));
            out.put(Metric.GET_MISSING_READ, missEnd.readPerOp(missStart, n));

            // 6. Iterate every entry forward.
            Quiesce.run();
            ProcessCounters scanStart = ProcessCounters.now();
            BenchStore.ScanTotals totals = store.scanAll();
            ProcessCounters scanEnd = ProcessCounters.now();
            check(totals.entries() == n && totals.bytes() == (long) n * (KEY_BYTES + VALUE_BYTES),
                    "scan saw " + totals.entries() + " entries and " + totals.bytes() + " bytes, expected " + n);
            out.put(Metric.SCAN, perSecond(n, scanEnd.nanosSince(scanStart)));
            out.put(Metric.SCAN_CPU, scanEnd.cpuMicrosPerOp(scanStart, n));
            out.put(Metric.SCAN_READ, scanEnd.readPerOp(scanStart, n));
            log.accept("after reads: " + safeNote(store));
        } finally {
            store.close();
        }
        return out;
    }

    private static void closeQuietly(BenchStore store, RuntimeException failure) {
        try {
            store.close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Sum of the sizes of the regular files under {@code dir}. */
    static long directoryBytes(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String safeNote(BenchStore store) {
        try {
            return store.memoryNote();
        } catch (RuntimeException e) {
            return "(no memory figures: " + e + ")";
        }
    }

    private static double perSecond(long ops, long nanos) {
        return ops * 1e9 / Math.max(1, nanos);
    }

    private static void check(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalStateException("wrong result: " + problem);
        }
    }

    /**
     * Times {@code count} gets of existing keys in {@code order}, checks that every one was found
     * with a full value, and records the rate, CPU and bytes read per get under the given metrics.
     */
    private static void timedGets(BenchStore store, byte[][] keys, int[] order, int count, String what,
            Map<Metric, Double> out, Metric rate, Metric cpu, Metric read) {
        Quiesce.run();
        ProcessCounters start = ProcessCounters.now();
        long found = 0;
        long valueBytes = 0;
        for (int i = 0; i < count; i++) {
            byte[] v = store.get(keys[order[i]]);
            if (v != null) {
                found++;
                valueBytes += v.length;
            }
        }
        ProcessCounters end = ProcessCounters.now();
        check(found == count && valueBytes == (long) count * VALUE_BYTES,
                what + " found " + found + " of " + count + " keys, " + valueBytes + " value bytes");
        out.put(rate, perSecond(count, end.nanosSince(start)));
        out.put(cpu, end.cpuMicrosPerOp(start, count));
        out.put(read, end.readPerOp(start, count));
    }
}
