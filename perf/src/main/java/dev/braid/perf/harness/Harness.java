package dev.braid.perf.harness;

import dev.braid.perf.harness.HarnessConfig.Size;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side harness (issue 6): the same workloads against Braid's supplier and Kafka's
 * RocksDB and in-memory suppliers, through the {@code KeyValueStore<Bytes, byte[]>} each returns, in
 * one JVM, the kinds alternating within each round; then a table of medians with Braid/RocksDB
 * ratios and the goals, a CSV, a PNG chart and the table as text. See perf/README.md.
 *
 * <p>Order: for each data set an untimed warm-up of each kind on a small copy of it, then the rounds,
 * each running {@link StoreRun} for every kind in turn (A B C A B C ...).
 */
public final class Harness {
    /** The in-memory store runs only when the raw data takes at most this share of the max heap. */
    static final double IN_MEMORY_HEAP_SHARE = 0.3;

    private Harness() {
    }

    /** What a run wrote. */
    record Outcome(Results results, Path csv, Path png, Path table) {
    }

    public static void main(String[] args) {
        HarnessConfig c;
        try {
            c = HarnessConfig.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println(e.getMessage());
            }
            System.err.println(HarnessConfig.USAGE);
            System.exit(2);
            return;
        }
        if (c.child() != null) {
            Fork.child(c, System.out);
            return;
        }
        Outcome o = run(c, System.out);
        System.out.printf("%nCSV %s%nchart %s%ntable %s%n", o.csv(), o.png(), o.table());
    }

    static Outcome run(HarnessConfig c, PrintStream log) {
        String header = header(c);
        log.print(header);
        Results results = new Results();
        for (int si = 0; si < c.sizes().size(); si++) {
            Size size = c.sizes().get(si);
            Dataset d = new Dataset(size.records(), size.valueBytes(), c.seed());
            log.printf(Locale.ROOT, "%n== %s; %,d ops per get/put/mix step%n", size.label(), c.opsFor(size));
            if (!c.fork()) {
                warmUp(c, size, c.kinds(), log);
            }
            for (int round = 0; round < c.rounds(); round++) {
                for (StoreKind kind : c.kinds()) {
                    if (!fits(kind, d)) {
                        log.printf(Locale.ROOT, "round %d %-9s skipped: %s of raw data is more than %.0f%% of the"
                                + " %d MiB heap%n", round, kind.option, Size.bytes(d.rawBytes()),
                                IN_MEMORY_HEAP_SHARE * 100, Runtime.getRuntime().maxMemory() >> 20);
                        continue;
                    }
                    long t0 = System.nanoTime();
                    StoreRun.Figures figures = c.fork() ? Fork.run(c, kind, si, round)
                            : StoreRun.run(kind, d, c, c.seed() + 100L * round, profiler(c), log);
                    results.add(size, kind, figures);
                    log.printf(Locale.ROOT, "round %d %-9s %.1f s, load %s: %s%n", round, kind.option,
                            (System.nanoTime() - t0) / 1e9, loadAverage(), summary(figures.values()));
                }
            }
        }
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        PrintStream tableOut = new PrintStream(table, true, StandardCharsets.UTF_8);
        tableOut.print(header);
        results.printTable(tableOut, c.budgetBytes());
        tableOut.printf("%nload average at the end: %s%n", loadAverage());
        String text = table.toString(StandardCharsets.UTF_8);
        log.print(text.substring(header.length()));
        String stem = "harness-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path csv = c.out().resolve(stem + ".csv");
        Path png = c.out().resolve(stem + ".png");
        Path txt = c.out().resolve(stem + ".txt");
        results.writeCsv(csv);
        Chart.write(results, c.rounds(), png);
        try {
            Files.writeString(txt, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Outcome(results, csv, png, txt);
    }

    /** An untimed run of each kind on a copy of the data set cut to {@code --warmup} records. */
    static void warmUp(HarnessConfig c, Size size, List<StoreKind> kinds, PrintStream log) {
        if (c.warmup() == 0) {
            return;
        }
        Dataset w = new Dataset(Math.min(c.warmup(), size.records()), size.valueBytes(), c.seed() + 1);
        PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
        for (StoreKind kind : kinds) {
            if (fits(kind, w)) {
                long t0 = System.nanoTime();
                StoreRun.run(kind, w, c, c.seed() + 1, Profiler.off(), quiet);
                log.printf(Locale.ROOT, "warm-up %-9s %,d records, %.1f s%n", kind.option, w.records(),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    static Profiler profiler(HarnessConfig c) {
        return c.profile() == null ? Profiler.off() : Profiler.into(c.profile(), c.kinds());
    }

    /** The in-memory store holds everything on the heap: it runs only when that leaves room. */
    static boolean fits(StoreKind kind, Dataset d) {
        return kind != StoreKind.IN_MEMORY || d.rawBytes() <= IN_MEMORY_HEAP_SHARE * Runtime.getRuntime().maxMemory();
    }

    private static String summary(Map<Row, Double> f) {
        StringBuilder sb = new StringBuilder();
        for (Row r : new Row[] {Row.RESTORE_MERGED, Row.GET_HIT, Row.PUT, Row.FULL_SCAN, Row.TENTH_GET_HIT}) {
            if (f.containsKey(r)) {
                sb.append(sb.length() == 0 ? "" : ", ").append(r.fullLabel()).append(' ')
                        .append(Results.format(r, f.get(r)));
            }
        }
        return sb.toString();
    }

    private static String header(HarnessConfig c) {
        Runtime rt = Runtime.getRuntime();
        String fs;
        try {
            Files.createDirectories(c.tmp());
            FileStore store = Files.getFileStore(c.tmp());
            fs = store.type() + " (" + store.name() + ")";
        } catch (IOException e) {
            fs = "unknown";
        }
        return String.format(Locale.ROOT, "Braid harness, %s%n"
                        + "machine: %d cores, %s, load average %s at the start%n"
                        + "JVM: %s %s, max heap %d MiB, flags %s%n"
                        + "arguments: %s%n"
                        + "rounds %d, kinds %s, restore batch %d, commit every %d ms (exactly-once mixes: %d ms),"
                        + " same budget %s, store directories in %s on %s%n",
                LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME.withLocale(Locale.ROOT)).substring(0, 19),
                rt.availableProcessors(), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                loadAverage(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                rt.maxMemory() >> 20, String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()),
                String.join(" ", c.args()), c.rounds(), c.kinds().stream().map(k -> k.option).toList(), c.batch(),
                c.commitMs(), c.eosCommitMs(), Size.bytes(c.budgetBytes()), c.tmp().toAbsolutePath(), fs);
    }

    static String loadAverage() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException | RuntimeException e) {
            double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", l);
        }
    }
}
