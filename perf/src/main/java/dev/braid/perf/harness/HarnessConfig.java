package dev.braid.perf.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The harness's command line. {@link #parse} reads it; {@link #USAGE} documents it (perf/README.md
 * has the same table).
 *
 * @param sizes      data sets, each run in turn
 * @param rounds     rounds per data set; each runs every kind once, in {@code kinds} order
 * @param kinds      store kinds, in the order they alternate
 * @param ops        operations of each get, put and mix step (0: the records, at most 1,000,000)
 * @param batch      records per restore batch
 * @param commitMs   commit interval of the put and the plain mix steps (Kafka's at-least-once default)
 * @param eosCommitMs commit interval of the exactly-once mix steps
 * @param budgetBytes the "same budget" of Braid and RocksDB
 * @param warmup     records of the untimed warm-up run of each kind per data set (0: none)
 * @param fork       each kind and round in a JVM of its own, for the peak-RSS row
 * @param out        folder of the CSV, PNG and text outputs
 * @param tmp        parent of the store directories
 * @param seed       seed of data and operation order
 * @param profile    folder of per-step JFR recordings and their summaries, or null (see {@link Profiler})
 * @param braidConfigs {@code braid.*} application properties given to the Braid stores (all runs)
 * @param args       the arguments as given (repeated in the outputs, passed on to forked JVMs)
 * @param child      set in a forked JVM: what it runs
 */
record HarnessConfig(List<Size> sizes, int rounds, List<StoreKind> kinds, int ops, int batch, long commitMs,
                     long eosCommitMs, long budgetBytes, int warmup, boolean fork, Path out, Path tmp, long seed,
                     Path profile, Map<String, String> braidConfigs, List<String> args, Child child) {

    static final String USAGE = String.join("\n",
            "usage: Harness [options]",
            "  --sizes LIST       data sets N:V (records:value bytes; k and M suffixes),",
            "                     default 1M:100,1M:4096,10M:100",
            "  --smoke            tiny sizes (2k:100,2k:4096), 1 round, no warm-up: the build's smoke test",
            "  --rounds R         rounds per data set, default 3",
            "  --kinds LIST       from braid,rocksdb,in-memory (default all three, in that order)",
            "  --ops N            operations per get/put/mix step, default min(records, 1M)",
            "  --batch B          records per restore batch, default 1000 (Kafka's max.poll.records)",
            "  --commit-ms T      commit interval of puts and mixes, default 30000 (at-least-once)",
            "  --eos-commit-ms T  commit interval of the exactly-once mixes, default 100",
            "  --budget-mib M     the same-budget setting of Braid and RocksDB, default 256",
            "  --warmup W         records of the untimed warm-up per kind and data set, default 100k",
            "  --fork             every kind and round in its own JVM (adds the process peak RSS row)",
            "  --out DIR          outputs (CSV, PNG, table), default results",
            "  --tmp DIR          parent of the store directories, default java.io.tmpdir",
            "  --seed S           data seed, default 42",
            "  --profile DIR      a JFR recording and a hot-method summary per timed step and kind (diagnosis only)",
            "  --braid K=V        a braid.* property for the Braid stores, e.g. braid.write.mode=merge-tree (repeatable)");

    /** A data set: {@code records} records of 16-byte keys and {@code valueBytes}-byte values. */
    record Size(int records, int valueBytes) {
        String label() {
            return String.format(Locale.ROOT, "%,d records, %s values", records, bytes(valueBytes));
        }

        static String bytes(long b) {
            if (b >= 1L << 20 && b % (1L << 20) == 0) {
                return (b >> 20) + " MiB";
            }
            if (b >= 1024 && b % 1024 == 0) {
                return (b >> 10) + " KiB";
            }
            return b >= 1L << 20 ? String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0) : b + " B";
        }
    }

    /** What a forked JVM runs: one kind, one round, of the data set at {@code sizeIndex}. */
    record Child(StoreKind kind, int sizeIndex, int round, Path resultFile) {
    }

    /** Operations of the get, put and mix steps for data set {@code s}. */
    int opsFor(Size s) {
        return ops > 0 ? ops : Math.min(s.records(), 1_000_000);
    }

    static HarnessConfig parse(String[] argv) {
        List<Size> sizes = List.of(new Size(1_000_000, 100), new Size(1_000_000, 4096), new Size(10_000_000, 100));
        int rounds = 3;
        List<StoreKind> kinds = List.of(StoreKind.values());
        int ops = 0;
        int batch = 1000;
        long commitMs = 30_000;
        long eosCommitMs = 100;
        long budgetMib = 256;
        int warmup = 100_000;
        boolean fork = false;
        Path out = Path.of("results");
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long seed = 42;
        Path profile = null;
        Map<String, String> braidConfigs = new LinkedHashMap<>();
        StoreKind childKind = null;
        int childSize = -1;
        int childRound = -1;
        Path childOut = null;
        List<String> given = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--smoke")) {
                sizes = List.of(new Size(2000, 100), new Size(2000, 4096));
                rounds = 1;
                warmup = 0;
                given.add(a);
                continue;
            }
            if (a.equals("--fork")) {
                fork = true;
                given.add(a);
                continue;
            }
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException("");
            }
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            String v = argv[++i];
            if (!a.startsWith("--child")) {
                given.add(a);
                given.add(v);
            }
            switch (a) {
                case "--sizes" -> sizes = parseSizes(v);
                case "--rounds" -> rounds = positive(a, count(v));
                case "--kinds" -> kinds = parseKinds(v);
                case "--ops" -> ops = positive(a, count(v));
                case "--batch" -> batch = positive(a, count(v));
                case "--commit-ms" -> commitMs = positive(a, count(v));
                case "--eos-commit-ms" -> eosCommitMs = positive(a, count(v));
                case "--budget-mib" -> budgetMib = positive(a, count(v));
                case "--warmup" -> warmup = count(v);
                case "--out" -> out = Path.of(v);
                case "--tmp" -> tmp = Path.of(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--profile" -> profile = Path.of(v);
                case "--braid" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0 || !v.startsWith("braid.")) {
                        throw new IllegalArgumentException("--braid takes braid.KEY=VALUE, got '" + v + "'");
                    }
                    braidConfigs.put(v.substring(0, eq), v.substring(eq + 1));
                }
                case "--child-kind" -> childKind = StoreKind.parse(v);
                case "--child-size" -> childSize = count(v);
                case "--child-round" -> childRound = count(v);
                case "--child-out" -> childOut = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        Child child = childKind == null ? null : new Child(childKind, childSize, childRound, childOut);
        return new HarnessConfig(sizes, rounds, kinds, ops, batch, commitMs, eosCommitMs, budgetMib << 20, warmup,
                fork, out, tmp, seed, profile, Map.copyOf(braidConfigs), List.copyOf(given), child);
    }

    private static List<Size> parseSizes(String v) {
        List<Size> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String[] nv = part.trim().split(":");
            if (nv.length != 2) {
                throw new IllegalArgumentException("a size is records:valueBytes, got '" + part + "'");
            }
            out.add(new Size(positive("--sizes", count(nv[0])), count(nv[1])));
        }
        return List.copyOf(out);
    }

    private static List<StoreKind> parseKinds(String v) {
        List<StoreKind> out = new ArrayList<>();
        for (String part : v.split(",")) {
            out.add(StoreKind.parse(part));
        }
        return List.copyOf(out);
    }

    /** A count with an optional k (thousand) or M (million) suffix and optional underscores. */
    static int count(String v) {
        String s = v.trim().replace("_", "");
        long mult = 1;
        if (s.endsWith("k") || s.endsWith("K")) {
            mult = 1_000;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("M")) {
            mult = 1_000_000;
            s = s.substring(0, s.length() - 1);
        }
        return Math.toIntExact(Long.parseLong(s) * mult);
    }

    private static int positive(String option, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(option + " must be positive, got " + v);
        }
        return v;
    }
}
