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
 * --entries N          entries to load (default 1,000,000)
 * --rounds R           rounds; each runs every engine once, in the order given (default 3)
 * --engines LIST       comma-separated, from braid,rocksdb (default braid,rocksdb)
 * --out DIR            folder for the CSV (default perf/results, or results inside perf/)
 * --cache-mib M        Braid page cache = RocksDB block cache, MiB (default 50, Kafka's block cache)
 * --commit-every C     puts between commits during the load (default 10,000)
 * --warmup W           entries of the untimed JIT warm-up run per engine (default 100,000; 0 = none)
 * --tmp DIR            where the per-run temporary directories go (default java.io.tmpdir)
 * --seed S             data seed (default 42)
 * --braid-page-size B  Braid page size of new stores (default: Braid's default)
 * --braid-durability D NORMAL or FULL (default NORMAL, Braid's default)
 * --rocksdb-flush-at-commit   also flush RocksDB's memtables at every commit (older Kafka Streams)
 * </pre>
 */
public final class EngineBench {

    private EngineBench() {
    }

    /** The parsed command line. */
    record Config(int entries, int rounds, List<String> engines, Path out, long cacheBytes, int commitEvery,
                  int warmup, Path tmp, long seed, int braidPageSize, Durability braidDurability,
                  boolean rocksFlushAtCommit) {

        static Config parse(String[] args) {
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
            BraidOptions.builder().pageSizeBytes(pageSize); // validates
            return new Config(entries, rounds, engines, out, cacheMib << 20, commitEvery, warmup, tmp, seed,
                    pageSize, durability, flushAtCommit);
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
            m.put("entries", Integer.toString(entries));
            m.put("rounds", Integer.toString(rounds));
            m.put("commit_every", Integer.toString(commitEvery));
            m.put("cache_mib", Long.toString(cacheBytes >> 20));
            m.put("braid_page_size", Integer.toString(braidPageSize));
            m.put("braid_durability", braidDurability.name());
            m.put("rocksdb_flush_at_commit", Boolean.toString(rocksFlushAtCommit));
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

    static void run(Config c) throws IOException {
        Files.createDirectories(c.tmp());
        Map<String, BenchStore.Factory> factories = new LinkedHashMap<>();
        for (String engine : c.engines()) {
            if (engine.equals(Report.BRAID)) {
                if (braidAvailable(c.tmp())) {
                    factories.put(engine, BraidBenchStore.factory(c.cacheBytes(), c.braidPageSize(),
                            c.braidDurability()));
                } else {
                    System.out.println("NOTE: the Braid engine is still a placeholder (Engine.open throws"
                            + " UnsupportedOperationException); running without it.");
                }
            } else {
                factories.put(engine, RocksDbBenchStore.factory(c.cacheBytes(), c.rocksFlushAtCommit()));
            }
        }
        if (factories.isEmpty()) {
            System.out.println("no engine to run");
            return;
        }
        printHeader(c, factories.keySet());

        int warmup = Math.min(c.warmup(), c.entries());
        if (warmup > 0) {
            Workloads.Dataset warm = Workloads.Dataset.generate(warmup, c.seed() + 1);
            for (var e : factories.entrySet()) {
                long t = System.nanoTime();
                runInTempDir(c, e.getValue(), warm, e.getKey() + "-warmup", msg -> { });
                System.out.printf(Locale.ROOT, "warm-up %-8s %,d entries, %.1f s (untimed)%n", e.getKey(),
                        warmup, (System.nanoTime() - t) / 1e9);
            }
        }

        long t = System.nanoTime();
        Workloads.Dataset data = Workloads.Dataset.generate(c.entries(), c.seed());
        System.out.printf(Locale.ROOT, "generated %,d keys, values and missing keys in %.1f s (untimed)%n",
                c.entries(), (System.nanoTime() - t) / 1e9);

        Report report = new Report(List.copyOf(factories.keySet()));
        for (int round = 1; round <= c.rounds(); round++) {
            for (var e : factories.entrySet()) {
                String engine = e.getKey();
                String prefix = String.format(Locale.ROOT, "round %d/%d %-8s", round, c.rounds(), engine);
                Map<Metric, Double> r = runInTempDir(c, e.getValue(), data, engine + "-r" + round,
                        msg -> System.out.println(prefix + "  " + msg));
                report.add(engine, r);
                System.out.println(prefix + "  " + Report.roundLine(r) + "; load average "
                        + ProcessCounters.loadAverage());
            }
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "Medians over %d round(s), %,d entries (%d-byte keys, %d-byte values),"
                + " a commit every %,d puts:%n%n", c.rounds(), c.entries(), Workloads.KEY_BYTES,
                Workloads.VALUE_BYTES, c.commitEvery());
        report.printTable(System.out);
        String stem = "engine-bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-" + c.entries();
        Path csv = report.writeCsv(c.out(), stem, c.csvSettings());
        System.out.println();
        System.out.println("CSV written to " + csv.toAbsolutePath().normalize());
    }

    private static Map<Metric, Double> runInTempDir(Config c, BenchStore.Factory factory, Workloads.Dataset data,
            String name, java.util.function.Consumer<String> log) throws IOException {
        Path dir = Files.createTempDirectory(c.tmp(), "braid-bench-" + name + "-");
        try {
            return Workloads.run(factory, dir, data, c.commitEvery(), log);
        } finally {
            deleteTree(dir);
        }
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
        System.out.printf(Locale.ROOT, "  engines %s, %d round(s), %,d entries, commit every %,d puts, warm-up %,d%n",
                String.join(",", engines), c.rounds(), c.entries(), c.commitEvery(), c.warmup());
        System.out.printf(Locale.ROOT, "  cache %d MiB each (Braid page cache; RocksDB block cache, plus up to %d x %d MiB"
                + " memtables and index/filter blocks outside the cache)%n", c.cacheBytes() >> 20,
                RocksDbBenchStore.MAX_WRITE_BUFFERS, RocksDbBenchStore.WRITE_BUFFER_SIZE >> 20);
        System.out.printf(Locale.ROOT, "  Braid: page size %d, durability %s; RocksDB: WAL off, %s at commit%n",
                c.braidPageSize(), c.braidDurability(),
                c.rocksFlushAtCommit() ? "offset put + memtable flush" : "offset put, no flush");
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
                "  --entries N                 entries to load (default 1000000)",
                "  --rounds R                  rounds, each running every engine once (default 3)",
                "  --engines LIST              braid,rocksdb (default both, in that order)",
                "  --out DIR                   folder for the CSV (default perf/results)",
                "  --cache-mib M               Braid page cache = RocksDB block cache (default 50)",
                "  --commit-every C            puts between commits (default 10000)",
                "  --warmup W                  entries of the untimed warm-up run (default 100000, 0 = none)",
                "  --tmp DIR                   parent of the per-run directories (default java.io.tmpdir)",
                "  --seed S                    data seed (default 42)",
                "  --braid-page-size B         Braid page size (default Braid's)",
                "  --braid-durability D        NORMAL or FULL (default NORMAL)",
                "  --rocksdb-flush-at-commit   flush RocksDB memtables at every commit too");
    }
}
