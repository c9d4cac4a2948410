package dev.braid.perf;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import dev.braid.store.Durability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs the same workloads against Braid (its public API) and RocksDB (rocksdbjni, configured like
 * Kafka Streams' RocksDBStore) in one JVM, alternating engines within each round, each run in a
 * fresh temporary directory, and prints medians over the rounds. See perf/README.md.
 *
 * <pre>
 * --workloads LIST     comma-separated, from load,restore (default load,restore)
 * --entries N          entries of the load workload (default 1,000,000)
 * --rounds R           rounds; each runs every engine once, in the order given (default 3)
 * --engines LIST       comma-separated, from braid,rocksdb (default braid,rocksdb)
 * --out DIR            folder for the CSV (default perf/results, or results inside perf/)
 * --cache-mib M        Braid page cache = RocksDB block cache, MiB (default 50, Kafka's block cache)
 * --commit-every C     puts between commits during the load (default 10,000)
 * --warmup W           entries of the untimed JIT warm-up run per engine and workload
 *                      (default 100,000; 0 = none)
 * --tmp DIR            where the per-run temporary directories go (default java.io.tmpdir)
 * --seed S             data seed (default 42)
 * --braid-page-size B  Braid page size of new stores (default: Braid's default)
 * --braid-durability D NORMAL or FULL (default NORMAL, Braid's default)
 * --rocksdb-flush-at-commit   also flush RocksDB's memtables at every commit (older Kafka Streams)
 * --restore-entries N  records of the restore workload (default: the --entries value)
 * --restore-batch B    records per restore batch (default 1,000: a consumer poll's max.poll.records)
 * --restore-gets G     random gets on the restored store (default 200,000)
 * --restore-cache-mib M  cache of both engines in the restore workload (default: the larger of
 *                      --cache-mib and twice the Braid write buffer, so that the buffer is not capped)
 * --braid-write-buffer-mib M  Braid's writeBufferBytes (default 64; the store caps it at half the cache)
 * -Dbraid.bench.valueBytes=V  value size of every workload (default 100; keys are 16 bytes)
 * </pre>
 */
public final class EngineBench {

    private EngineBench() {
    }

    /** The parsed command line. */
    record Config(List<Metric.Workload> workloads, int entries, int rounds, List<String> engines, Path out,
                  long cacheBytes, int commitEvery, int warmup, Path tmp, long seed, int braidPageSize,
                  Durability braidDurability, boolean rocksFlushAtCommit, int restoreEntries, int restoreBatch,
                  int restoreGets, long restoreCacheBytes, long braidWriteBufferBytes) {

        static Config parse(String[] args) {
            List<Metric.Workload> workloads = List.of(Metric.Workload.values());
            int entries = 1_000_000;
            int rounds = 3;
            List<String> engines = List.of(Report.BRAID, Report.ROCKSDB);
            Path out = defaultOut();
            long cacheMib = 50;
            int commitEvery = 10_000;
            int warmup = 100_000;
            Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
            long seed = 42;
            int pageSize = BraidOptions.defaults().pageSizeBytes();
            Durability durability = Durability.NORMAL;
            boolean flushAtCommit = false;
            int restoreEntries = -1;
            int restoreBatch = 1_000;
            int restoreGets = 200_000;
            long restoreCacheMib = -1;
            long writeBufferMib = 64;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    value = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                if (a.equals("--help") || a.equals("-h")) {
                    throw new UsageException(null);
                }
                if (a.equals("--rocksdb-flush-at-commit")) {
                    flushAtCommit = value == null || Boolean.parseBoolean(value);
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("missing value after " + a);
                    }
                    value = args[++i];
                }
                try {
                    switch (a) {
                        case "--workloads" -> workloads = parseWorkloads(value);
                        case "--entries" -> entries = positive(a, parseCount(value));
                        case "--rounds" -> rounds = positive(a, parseCount(value));
                        case "--engines" -> engines = parseEngines(value);
                        case "--out" -> out = Paths.get(value);
                        case "--cache-mib" -> cacheMib = positive(a, parseCount(value));
                        case "--commit-every" -> commitEvery = positive(a, parseCount(value));
                        case "--warmup" -> warmup = parseCount(value);
                        case "--tmp" -> tmp = Paths.get(value);
                        case "--seed" -> seed = Long.parseLong(value);
                        case "--braid-page-size" -> pageSize = parseCount(value);
                        case "--braid-durability" -> durability = Durability.valueOf(value.toUpperCase(Locale.ROOT));
                        case "--restore-entries" -> restoreEntries = positive(a, parseCount(value));
                        case "--restore-batch" -> restoreBatch = positive(a, parseCount(value));
                        case "--restore-gets" -> restoreGets = parseCount(value);
                        case "--restore-cache-mib" -> restoreCacheMib = positive(a, parseCount(value));
                        case "--braid-write-buffer-mib" -> writeBufferMib = positive(a, parseCount(value));
                        default -> throw new UsageException("unknown option " + a);
                    }
                } catch (IllegalArgumentException e) {
                    if (e instanceof UsageException) {
                        throw e;
                    }
                    throw new UsageException("bad value for " + a + ": " + value);
                }
            }
            if (warmup < 0) {
                throw new UsageException("--warmup must be 0 or more");
            }
            if (restoreGets < 0) {
                throw new UsageException("--restore-gets must be 0 or more");
            }
            BraidOptions.builder().pageSizeBytes(pageSize); // validates
            if (restoreEntries < 0) {
                restoreEntries = entries;
            }
            if (restoreCacheMib < 0) {
                restoreCacheMib = Math.max(cacheMib, 2 * writeBufferMib);
            }
            return new Config(workloads, entries, rounds, engines, out, cacheMib << 20, commitEvery, warmup, tmp, seed,
                    pageSize, durability, flushAtCommit, restoreEntries, restoreBatch, restoreGets,
                    restoreCacheMib << 20, writeBufferMib << 20);
        }

        boolean runs(Metric.Workload w) {
            return workloads.contains(w);
        }

        /**
         * The write buffer Braid actually uses in the restore workload: the store caps
         * writeBufferBytes at half its cache budget (Engine: min(writeBufferBytes, max(1 KiB, cache / 2))).
         */
        long braidEffectiveWriteBufferBytes() {
            return Math.min(braidWriteBufferBytes, Math.max(1024, restoreCacheBytes / 2));
        }

        private static int parseCount(String s) {
            return Integer.parseInt(s.replace("_", "").replace(",", ""));
        }

        private static int positive(String option, int v) {
            if (v <= 0) {
                throw new UsageException(option + " must be positive");
            }
            return v;
        }

        private static List<Metric.Workload> parseWorkloads(String s) {
            List<Metric.Workload> list = new ArrayList<>();
            for (String w : s.split(",")) {
                String name = w.trim().toLowerCase(Locale.ROOT);
                Metric.Workload found = null;
                for (Metric.Workload k : Metric.Workload.values()) {
                    if (k.option.equals(name)) {
                        found = k;
                    }
                }
                if (found == null) {
                    throw new UsageException("unknown workload " + w + " (known: load, restore)");
                }
                if (!list.contains(found)) {
                    list.add(found);
                }
            }
            if (list.isEmpty()) {
                throw new UsageException("--workloads is empty");
            }
            list.sort(null); // always in table order: load, then restore
            return List.copyOf(list);
        }

        private static List<String> parseEngines(String s) {
            List<String> list = new ArrayList<>();
            for (String e : s.split(",")) {
                String name = e.trim().toLowerCase(Locale.ROOT);
                if (!name.equals(Report.BRAID) && !name.equals(Report.ROCKSDB)) {
                    throw new UsageException("unknown engine " + e + " (known: braid, rocksdb)");
                }
                if (!list.contains(name)) {
                    list.add(name);
                }
            }
            if (list.isEmpty()) {
                throw new UsageException("--engines is empty");
            }
            return list;
        }

        /** perf/results from the repository root, results from inside perf/ (where exec:exec runs). */
        private static Path defaultOut() {
            if (Files.isDirectory(Paths.get("perf", "src", "main", "java", "dev", "braid", "perf"))) {
                return Paths.get("perf", "results");
            }
            return Paths.get("results");
        }

        Map<String, String> csvSettings() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("workloads", workloads.stream().map(w -> w.option).collect(java.util.stream.Collectors.joining("+")));
            m.put("entries", Integer.toString(entries));
            m.put("rounds", Integer.toString(rounds));
            m.put("commit_every", Integer.toString(commitEvery));
            m.put("cache_mib", Long.toString(cacheBytes >> 20));
            m.put("braid_page_size", Integer.toString(braidPageSize));
            m.put("braid_durability", braidDurability.name());
            m.put("rocksdb_flush_at_commit", Boolean.toString(rocksFlushAtCommit));
            m.put("restore_entries", runs(Metric.Workload.RESTORE) ? Integer.toString(restoreEntries) : "");
            m.put("restore_batch", runs(Metric.Workload.RESTORE) ? Integer.toString(restoreBatch) : "");
            m.put("restore_gets", runs(Metric.Workload.RESTORE)
                    ? Integer.toString(Math.min(restoreGets, restoreEntries)) : "");
            m.put("restore_cache_mib", runs(Metric.Workload.RESTORE) ? Long.toString(restoreCacheBytes >> 20) : "");
            m.put("braid_write_buffer_mib", Long.toString(braidWriteBufferBytes >> 20));
            m.put("braid_effective_write_buffer_mib", runs(Metric.Workload.RESTORE)
                    ? String.format(Locale.ROOT, "%.1f", braidEffectiveWriteBufferBytes() / MIB) : "");
            m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
            m.put("java", System.getProperty("java.version"));
            return m;
        }
    }

    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) throws IOException {
        Config config;
        try {
            config = Config.parse(args);
        } catch (UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("error: " + e.getMessage());
            }
            System.err.println(usage());
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        run(config);
    }

    private static final double MIB = 1024.0 * 1024.0;
    /**
     * Heap bytes Braid's write buffer charges per entry besides key and value (its
     * {@code WriteBuffer.RECORD_OVERHEAD}); only used to print how many records fit in the buffer.
     */
    private static final int BRAID_BUFFER_ENTRY_OVERHEAD = 40;

    static void run(Config c) throws IOException {
        Files.createDirectories(c.tmp());
        List<String> engines = new ArrayList<>();
        for (String engine : c.engines()) {
            if (engine.equals(Report.BRAID) && !braidAvailable(c.tmp())) {
                System.out.println("NOTE: the Braid engine is still a placeholder (Engine.open throws"
                        + " UnsupportedOperationException); running without it.");
            } else {
                engines.add(engine);
            }
        }
        if (engines.isEmpty()) {
            System.out.println("no engine to run");
            return;
        }
        printHeader(c, engines);

        Report report = new Report(engines);
        if (c.runs(Metric.Workload.LOAD)) {
            runLoad(c, factories(c, engines, c.cacheBytes()), report);
        }
        if (c.runs(Metric.Workload.RESTORE)) {
            runRestore(c, factories(c, engines, c.restoreCacheBytes()), report);
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "Medians over %d round(s).%n", c.rounds());
        if (c.runs(Metric.Workload.LOAD)) {
            System.out.printf(Locale.ROOT, "load: %,d entries (%d-byte keys, %d-byte values), a commit every %,d puts,"
                    + " cache %d MiB each.%n", c.entries(), Workloads.KEY_BYTES, Workloads.VALUE_BYTES,
                    c.commitEvery(), c.cacheBytes() >> 20);
        }
        if (c.runs(Metric.Workload.RESTORE)) {
            System.out.println("restore: " + restoreSettings(c) + ".");
        }
        System.out.println();
        report.printTable(System.out);
        StringBuilder stem = new StringBuilder("engine-bench-")
                .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (c.runs(Metric.Workload.LOAD)) {
            stem.append('-').append(c.entries());
        }
        if (c.runs(Metric.Workload.RESTORE)) {
            stem.append("-restore-").append(c.restoreEntries());
        }
        Path csv = report.writeCsv(c.out(), stem.toString(), c.csvSettings());
        System.out.println();
        System.out.println("CSV written to " + csv.toAbsolutePath().normalize());
    }

    /** One factory per engine, in the --engines order, with a cache (and block cache) of {@code cacheBytes}. */
    private static Map<String, BenchStore.Factory> factories(Config c, List<String> engines, long cacheBytes) {
        Map<String, BenchStore.Factory> factories = new LinkedHashMap<>();
        for (String engine : engines) {
            factories.put(engine, engine.equals(Report.BRAID)
                    ? BraidBenchStore.factory(cacheBytes, c.braidPageSize(), c.braidDurability(),
                            c.braidWriteBufferBytes())
                    : RocksDbBenchStore.factory(cacheBytes, c.rocksFlushAtCommit()));
        }
        return factories;
    }

    /** The load workload: warm-up, then the rounds. */
    private static void runLoad(Config c, Map<String, BenchStore.Factory> factories, Report report)
            throws IOException {
        int warmup = Math.min(c.warmup(), c.entries());
        if (warmup > 0) {
            Workloads.Dataset warm = Workloads.Dataset.generate(warmup, c.seed() + 1);
            for (var e : factories.entrySet()) {
                long t = System.nanoTime();
                inTempDir(c, e.getKey() + "-warmup", dir -> Workloads.run(e.getValue(), dir, warm, c.commitEvery(),
                        msg -> { }));
                System.out.printf(Locale.ROOT, "warm-up %-8s load, %,d entries, %.1f s (untimed)%n", e.getKey(),
                        warmup, (System.nanoTime() - t) / 1e9);
            }
        }

        long t = System.nanoTime();
        Workloads.Dataset data = Workloads.Dataset.generate(c.entries(), c.seed());
        System.out.printf(Locale.ROOT, "generated %,d keys, values and missing keys in %.1f s (untimed)%n",
                c.entries(), (System.nanoTime() - t) / 1e9);

        for (int round = 1; round <= c.rounds(); round++) {
            for (var e : factories.entrySet()) {
                String engine = e.getKey();
                String prefix = String.format(Locale.ROOT, "round %d/%d %-8s load   ", round, c.rounds(), engine);
                Map<Metric, Double> r = inTempDir(c, engine + "-r" + round, dir -> Workloads.run(e.getValue(), dir,
                        data, c.commitEvery(), msg -> System.out.println(prefix + "  " + msg)));
                report.add(engine, r);
                System.out.println(prefix + "  " + Report.roundLine(r) + "; load average "
                        + ProcessCounters.loadAverage());
            }
        }
    }

    /** The restore workload: warm-up, then the rounds. */
    private static void runRestore(Config c, Map<String, BenchStore.Factory> factories, Report report)
            throws IOException {
        int warmup = Math.min(c.warmup(), c.restoreEntries());
        if (warmup > 0) {
            Workloads.RestoreData warm = Workloads.RestoreData.generate(warmup, c.restoreGets(), c.seed() + 3);
            for (var e : factories.entrySet()) {
                long t = System.nanoTime();
                inTempDir(c, e.getKey() + "-restore-warmup", dir -> Workloads.runRestore(e.getValue(), dir, warm,
                        c.restoreBatch(), msg -> { }));
                System.out.printf(Locale.ROOT, "warm-up %-8s restore, %,d records, %.1f s (untimed)%n", e.getKey(),
                        warmup, (System.nanoTime() - t) / 1e9);
            }
        }

        long t = System.nanoTime();
        Workloads.RestoreData data = Workloads.RestoreData.generate(c.restoreEntries(), c.restoreGets(),
                c.seed() + 2);
        System.out.printf(Locale.ROOT, "generated %,d restore records in %.1f s (untimed)%n", c.restoreEntries(),
                (System.nanoTime() - t) / 1e9);

        for (int round = 1; round <= c.rounds(); round++) {
            for (var e : factories.entrySet()) {
                String engine = e.getKey();
                String prefix = String.format(Locale.ROOT, "round %d/%d %-8s restore", round, c.rounds(), engine);
                Map<Metric, Double> r = inTempDir(c, engine + "-restore-r" + round, dir -> Workloads.runRestore(
                        e.getValue(), dir, data, c.restoreBatch(), msg -> System.out.println(prefix + "  " + msg)));
                report.add(engine, r);
                System.out.println(prefix + "  " + Report.restoreLine(r) + "; load average "
                        + ProcessCounters.loadAverage());
            }
        }
    }

    /** Runs {@code body} in a new, empty temporary directory that is deleted afterwards. */
    private static Map<Metric, Double> inTempDir(Config c, String name, java.util.function.Function<Path,
            Map<Metric, Double>> body) throws IOException {
        Path dir = Files.createTempDirectory(c.tmp(), "braid-bench-" + name + "-");
        try {
            return body.apply(dir);
        } finally {
            deleteTree(dir);
        }
    }

    private static String restoreSettings(Config c) {
        long effective = c.braidEffectiveWriteBufferBytes();
        long perRecord = Workloads.KEY_BYTES + Workloads.VALUE_BYTES + BRAID_BUFFER_ENTRY_OVERHEAD;
        return String.format(Locale.ROOT, "%,d records (%d-byte keys, %d-byte values) in batches of %,d, then %,d"
                + " random gets; cache %d MiB each; Braid write buffer %d MiB requested, %.1f MiB effective"
                + " (capped at half the cache), about %,d records per drain (%d bytes charged per record)",
                c.restoreEntries(), Workloads.KEY_BYTES, Workloads.VALUE_BYTES, c.restoreBatch(),
                Math.min(c.restoreGets(), c.restoreEntries()), c.restoreCacheBytes() >> 20,
                c.braidWriteBufferBytes() >> 20, effective / MIB, effective / perRecord, perRecord);
    }

    /** True unless Braid's engine is the placeholder that throws UnsupportedOperationException. */
    private static boolean braidAvailable(Path tmp) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "braid-bench-probe-");
        try {
            Braid.open(dir, BraidOptions.defaults()).close();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        } finally {
            deleteTree(dir);
        }
    }

    private static void printHeader(Config c, Iterable<String> engines) {
        Runtime rt = Runtime.getRuntime();
        System.out.println("EngineBench: Braid vs RocksDB (Kafka Streams RocksDBStore settings)");
        System.out.printf(Locale.ROOT, "  engines %s, workloads %s, %d round(s), warm-up %,d%n",
                String.join(",", engines), c.workloads().stream().map(w -> w.option).toList(), c.rounds(), c.warmup());
        if (c.runs(Metric.Workload.LOAD)) {
            System.out.printf(Locale.ROOT, "  load: %,d entries, commit every %,d puts, cache %d MiB each%n",
                    c.entries(), c.commitEvery(), c.cacheBytes() >> 20);
        }
        if (c.runs(Metric.Workload.RESTORE)) {
            System.out.println("  restore: " + restoreSettings(c));
        }
        System.out.printf(Locale.ROOT, "  cache = Braid page cache (which also holds Braid's write buffer)"
                + " and RocksDB block cache; RocksDB has up to %d x %d MiB memtables and its index/filter blocks"
                + " outside the cache%n",
                RocksDbBenchStore.MAX_WRITE_BUFFERS, RocksDbBenchStore.WRITE_BUFFER_SIZE >> 20);
        System.out.printf(Locale.ROOT, "  Braid: page size %d, durability %s; RocksDB: WAL off, %s at commit%n",
                c.braidPageSize(), c.braidDurability(),
                c.rocksFlushAtCommit() ? "offset put + memtable flush" : "offset put, no flush");
        if (c.runs(Metric.Workload.RESTORE)) {
            System.out.println("  restore batch: Braid WriteBatch of blindPut, unlogged(), write();"
                    + " RocksDB WriteBatch of put, write() with the WAL off (Kafka 4.3.1 RocksDBStore.restoreBatch)");
            System.out.println("  restore end: Braid commit(offset), which drains the buffer into the tree; RocksDB"
                    + " offset put, flush, wait until no flush or compaction runs or is due");
        }
        System.out.printf(Locale.ROOT, "  java %s (%s), %d cores, max heap %d MiB, temp dirs in %s (%s)%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"), rt.availableProcessors(),
                rt.maxMemory() >> 20, c.tmp().toAbsolutePath(), fileStoreType(c.tmp()));
        System.out.println("  load average at start " + ProcessCounters.loadAverage()
                + " (other processes competing for the cores skew the ops/s figures, less so the CPU ones)");
    }

    private static String fileStoreType(Path p) {
        try {
            FileStore fs = Files.getFileStore(p);
            return fs.type() + " " + fs.name();
        } catch (IOException e) {
            return "unknown file system";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String usage() {
        return String.join("\n",
                "usage: EngineBench [options]",
                "  --workloads LIST            load,restore (default both)",
                "  --entries N                 entries of the load workload (default 1000000)",
                "  --rounds R                  rounds, each running every engine once (default 3)",
                "  --engines LIST              braid,rocksdb (default both, in that order)",
                "  --out DIR                   folder for the CSV (default perf/results)",
                "  --cache-mib M               Braid page cache = RocksDB block cache (default 50)",
                "  --commit-every C            puts between commits (default 10000)",
                "  --warmup W                  entries of the untimed warm-up runs (default 100000, 0 = none)",
                "  --tmp DIR                   parent of the per-run directories (default java.io.tmpdir)",
                "  --seed S                    data seed (default 42)",
                "  --braid-page-size B         Braid page size (default Braid's)",
                "  --braid-durability D        NORMAL or FULL (default NORMAL)",
                "  --rocksdb-flush-at-commit   flush RocksDB memtables at every commit too",
                "  --restore-entries N         records of the restore workload (default: --entries)",
                "  --restore-batch B           records per restore batch (default 1000)",
                "  --restore-gets G            random gets after the restore (default 200000)",
                "  --restore-cache-mib M       cache of both engines in the restore (default: max(--cache-mib,",
                "                              2 x --braid-write-buffer-mib))",
                "  --braid-write-buffer-mib M  Braid writeBufferBytes (default 64; capped at half the cache)");
    }
}
