package dev.braid.perf;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Collects each round's figures per engine and turns them into the result table (medians over
 * rounds and the Braid/RocksDB ratio) on the console and in a CSV file.
 */
final class Report {
    static final String BRAID = "braid";
    static final String ROCKSDB = "rocksdb";

    private final List<String> engines;
    private final Map<Metric, Map<String, List<Double>>> values = new EnumMap<>(Metric.class);

    Report(List<String> engines) {
        this.engines = List.copyOf(engines);
        for (Metric m : Metric.values()) {
            Map<String, List<Double>> perEngine = new LinkedHashMap<>();
            for (String e : engines) {
                perEngine.put(e, new ArrayList<>());
            }
            values.put(m, perEngine);
        }
    }

    void add(String engine, Map<Metric, Double> round) {
        round.forEach((m, v) -> values.get(m).get(engine).add(v));
    }

    /** Median of the rounds recorded for one engine, or NaN when it has none. */
    double median(Metric m, String engine) {
        List<Double> l = values.get(m).getOrDefault(engine, List.of());
        if (l.isEmpty()) {
            return Double.NaN;
        }
        double[] s = l.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    /** Braid's median over RocksDB's, or NaN when either is missing or RocksDB's is 0. */
    double ratio(Metric m) {
        double r = median(m, BRAID) / median(m, ROCKSDB);
        return Double.isInfinite(r) ? Double.NaN : r;
    }

    /** Whether any engine has a figure for {@code m} (rows of workloads that did not run have none). */
    boolean hasData(Metric m) {
        return values.get(m).values().stream().anyMatch(l -> !l.isEmpty());
    }

    /** The rows that have figures, in table order. */
    List<Metric> rows() {
        return java.util.Arrays.stream(Metric.values()).filter(this::hasData).toList();
    }

    void printTable(PrintStream out) {
        String head = String.format(Locale.ROOT, "%-32s %-12s %14s %14s %14s  %s",
                "workload", "unit", "Braid", "RocksDB", "Braid/RocksDB", "better");
        out.println(head);
        out.println("-".repeat(head.length()));
        Metric.Workload group = null;
        for (Metric m : rows()) {
            if (group != null && m.workload != group) {
                out.println();
            }
            group = m.workload;
            out.println(String.format(Locale.ROOT, "%-32s %-12s %14s %14s %14s  %s",
                    m.label, m.unit, format(m, median(m, BRAID)), format(m, median(m, ROCKSDB)),
                    Double.isNaN(ratio(m)) ? "-" : String.format(Locale.ROOT, "%.2f", ratio(m)),
                    m.higherIsBetter ? "higher" : "lower"));
        }
    }

    /** Writes the table, with every round's figure, to a new CSV file in {@code dir}; returns it. */
    Path writeCsv(Path dir, String fileStem, Map<String, String> settings) {
        StringBuilder sb = new StringBuilder();
        List<String> header = new ArrayList<>(List.of("workload", "unit", "better"));
        header.add("braid_median");
        header.add("rocksdb_median");
        header.add("ratio_braid_over_rocksdb");
        header.add("braid_rounds");
        header.add("rocksdb_rounds");
        header.addAll(settings.keySet());
        sb.append(String.join(",", header)).append('\n');
        for (Metric m : rows()) {
            List<String> row = new ArrayList<>();
            row.add(m.label.trim());
            row.add(m.unit);
            row.add(m.higherIsBetter ? "higher" : "lower");
            row.add(plain(median(m, BRAID)));
            row.add(plain(median(m, ROCKSDB)));
            row.add(Double.isNaN(ratio(m)) ? "" : String.format(Locale.ROOT, "%.4f", ratio(m)));
            row.add(rounds(m, BRAID));
            row.add(rounds(m, ROCKSDB));
            row.addAll(settings.values());
            sb.append(row.stream().map(Report::csvField).collect(Collectors.joining(","))).append('\n');
        }
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(fileStem + ".csv");
            Path tmp = dir.resolve(fileStem + ".csv.tmp");
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the CSV to " + dir, e);
        }
    }

    /** One engine's restore figures of one round, for the progress log. */
    static String restoreLine(Map<Metric, Double> r) {
        return String.format(Locale.ROOT,
                "restore %s records/s end to end (ingest %s records/s, finish %s ms; %s us CPU and %s bytes written"
                        + " per record), disk %s bytes/record, get %s ops/s",
                format(Metric.RESTORE, r.get(Metric.RESTORE)),
                format(Metric.RESTORE_INGEST, r.get(Metric.RESTORE_INGEST)),
                format(Metric.RESTORE_FINISH, r.get(Metric.RESTORE_FINISH)),
                format(Metric.RESTORE_CPU, r.get(Metric.RESTORE_CPU)),
                format(Metric.RESTORE_WRITTEN, r.get(Metric.RESTORE_WRITTEN)),
                format(Metric.RESTORE_DISK, r.get(Metric.RESTORE_DISK)),
                format(Metric.RESTORE_GET, r.get(Metric.RESTORE_GET)));
    }

    /** One engine's load figures of one round, for the progress log. */
    static String roundLine(Map<Metric, Double> r) {
        return String.format(Locale.ROOT,
                "put %s ops/s (close %s ms; %s us CPU and %s bytes written per put), get %s ops/s (%s us CPU),"
                        + " get-missing %s ops/s, scan %s entries/s, disk %s bytes/entry",
                format(Metric.PUT, r.get(Metric.PUT)), format(Metric.CLOSE_AFTER_LOAD, r.get(Metric.CLOSE_AFTER_LOAD)),
                format(Metric.PUT_CPU, r.get(Metric.PUT_CPU)), format(Metric.PUT_WRITTEN, r.get(Metric.PUT_WRITTEN)),
                format(Metric.GET_EXISTING, r.get(Metric.GET_EXISTING)),
                format(Metric.GET_EXISTING_CPU, r.get(Metric.GET_EXISTING_CPU)),
                format(Metric.GET_MISSING, r.get(Metric.GET_MISSING)), format(Metric.SCAN, r.get(Metric.SCAN)),
                format(Metric.DISK_PER_ENTRY, r.get(Metric.DISK_PER_ENTRY)));
    }

    List<String> engines() {
        return engines;
    }

    private String rounds(Metric m, String engine) {
        return values.get(m).getOrDefault(engine, List.of()).stream().map(Report::plain)
                .collect(Collectors.joining(";"));
    }

    private static String format(Metric m, Double v) {
        if (v == null || Double.isNaN(v)) {
            return "-";
        }
        return switch (m.unit) {
            case "ops/s", "entries/s", "records/s" -> String.format(Locale.ROOT, "%,.0f", v);
            case "us/op", "us/entry", "us/record" -> String.format(Locale.ROOT, "%,.2f", v);
            default -> String.format(Locale.ROOT, "%,.1f", v);
        };
    }

    private static String plain(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
