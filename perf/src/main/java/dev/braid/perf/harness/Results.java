package dev.braid.perf.harness;

import dev.braid.perf.harness.HarnessConfig.Size;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Every round's figure per data set, row and store kind, and for throughput rows the process CPU
 * per operation; the medians over the rounds, the Braid/RocksDB ratios, the goals, and their output
 * as a console table and a CSV file.
 */
final class Results {
    static final List<String> CSV_HEADER = List.of("records", "value_bytes", "setting", "workload", "unit", "better",
            "braid", "rocksdb", "in_memory", "braid_over_rocksdb", "goal", "goal_met", "braid_cpu_us_per_op",
            "rocksdb_cpu_us_per_op", "in_memory_cpu_us_per_op", "cpu_rocksdb_over_braid", "braid_rounds",
            "rocksdb_rounds", "in_memory_rounds", "braid_cpu_rounds", "rocksdb_cpu_rounds");

    private final Map<Size, Map<Row, Map<StoreKind, List<Double>>>> values = new LinkedHashMap<>();
    private final Map<Size, Map<Row, Map<StoreKind, List<Double>>>> cpu = new LinkedHashMap<>();

    void add(Size size, StoreKind kind, StoreRun.Figures figures) {
        put(values, size, kind, figures.values());
        put(cpu, size, kind, figures.cpuMicrosPerOp());
    }

    private static void put(Map<Size, Map<Row, Map<StoreKind, List<Double>>>> into, Size size, StoreKind kind,
                            Map<Row, Double> figures) {
        Map<Row, Map<StoreKind, List<Double>>> rows = into.computeIfAbsent(size, s -> new EnumMap<>(Row.class));
        figures.forEach((row, v) -> {
            if (!Double.isNaN(v)) {
                rows.computeIfAbsent(row, r -> new EnumMap<>(StoreKind.class))
                        .computeIfAbsent(kind, k -> new ArrayList<>()).add(v);
            }
        });
    }

    List<Size> sizes() {
        return List.copyOf(values.keySet());
    }

    /** The rows with a figure for data set {@code size}, in table order. */
    List<Row> rows(Size size) {
        return List.copyOf(values.getOrDefault(size, Map.of()).keySet());
    }

    /** Median over the rounds, NaN when the kind has no figure. */
    double median(Size size, Row row, StoreKind kind) {
        return median(rounds(values, size, row, kind));
    }

    /** Median CPU microseconds per operation, NaN when unknown or not a throughput row. */
    double cpuMedian(Size size, Row row, StoreKind kind) {
        return median(rounds(cpu, size, row, kind));
    }

    /**
     * RocksDB's CPU per operation over Braid's: above 1 means Braid needs less CPU, the same
     * direction as the throughput ratio; steadier than it on a shared machine.
     */
    double cpuRatio(Size size, Row row) {
        double r = cpuMedian(size, row, StoreKind.ROCKSDB) / cpuMedian(size, row, StoreKind.BRAID);
        return Double.isInfinite(r) ? Double.NaN : r;
    }

    private static double median(List<Double> l) {
        if (l.isEmpty()) {
            return Double.NaN;
        }
        double[] s = l.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    /** Braid's median over RocksDB's, NaN when either is missing or RocksDB's is 0. */
    double ratio(Size size, Row row) {
        double r = median(size, row, StoreKind.BRAID) / median(size, row, StoreKind.ROCKSDB);
        return Double.isInfinite(r) ? Double.NaN : r;
    }

    /** Whether the row's goal is met; null without a goal or figures. */
    Boolean goalMet(Size size, Row row) {
        return row.goal.met(median(size, row, StoreKind.BRAID), ratio(size, row));
    }

    private static List<Double> rounds(Map<Size, Map<Row, Map<StoreKind, List<Double>>>> from, Size size, Row row,
                                       StoreKind kind) {
        return from.getOrDefault(size, Map.of()).getOrDefault(row, Map.of()).getOrDefault(kind, List.of());
    }

    /** The table: one block per data set, rows grouped by memory setting. */
    void printTable(PrintStream out, long budgetBytes) {
        String fmt = "%-38s %-12s %12s %12s %12s %6s  %-12s %-4s %9s %9s %9s %6s%n";
        for (Size size : sizes()) {
            out.printf(Locale.ROOT, "%n%s (raw key+value %s per record)%n", size.label(),
                    Size.bytes(Dataset.KEY_BYTES + size.valueBytes()));
            String head = String.format(Locale.ROOT, fmt, "workload", "unit", "Braid", "RocksDB", "in-memory",
                    "B/R", "goal", "met", "CPU us B", "CPU us R", "CPU us M", "R/B");
            out.print(head);
            out.println("-".repeat(head.length() - 1));
            Row.Setting setting = null;
            for (Row row : rows(size)) {
                if (row.setting != setting) {
                    setting = row.setting;
                    out.println(switch (setting) {
                        case DEFAULTS -> "[default settings]";
                        case SAME_BUDGET -> "[same budget: " + Size.bytes(budgetBytes) + " each]";
                        case TENTH_BUDGET -> "[data 10x budget: " + Size.bytes(StoreRun.tenthBudget(
                                new Dataset(size.records(), size.valueBytes(), 0))) + " each]";
                    });
                }
                Boolean met = goalMet(size, row);
                out.printf(Locale.ROOT, fmt, row.label, row.unit, format(row, median(size, row, StoreKind.BRAID)),
                        format(row, median(size, row, StoreKind.ROCKSDB)),
                        format(row, median(size, row, StoreKind.IN_MEMORY)),
                        ratioText(ratio(size, row)), row.goal.describe(), met == null ? "" : met ? "yes" : "NO",
                        cpuText(cpuMedian(size, row, StoreKind.BRAID)), cpuText(cpuMedian(size, row, StoreKind.ROCKSDB)),
                        cpuText(cpuMedian(size, row, StoreKind.IN_MEMORY)),
                        Double.isNaN(cpuRatio(size, row)) ? "" : ratioText(cpuRatio(size, row)));
            }
        }
    }

    /** Writes the CSV (one line per data set and row, every round's figure included) to {@code file}. */
    void writeCsv(Path file) {
        StringBuilder sb = new StringBuilder(String.join(",", CSV_HEADER)).append('\n');
        for (Size size : sizes()) {
            for (Row row : rows(size)) {
                Boolean met = goalMet(size, row);
                List<String> f = List.of(Integer.toString(size.records()), Integer.toString(size.valueBytes()),
                        row.setting.title, row.label.trim(), row.unit, row.higherIsBetter ? "higher" : "lower",
                        plain(median(size, row, StoreKind.BRAID)), plain(median(size, row, StoreKind.ROCKSDB)),
                        plain(median(size, row, StoreKind.IN_MEMORY)), plain(ratio(size, row)), row.goal.describe(),
                        met == null ? "" : met.toString(), plain(cpuMedian(size, row, StoreKind.BRAID)),
                        plain(cpuMedian(size, row, StoreKind.ROCKSDB)), plain(cpuMedian(size, row, StoreKind.IN_MEMORY)),
                        plain(cpuRatio(size, row)), joined(values, size, row, StoreKind.BRAID),
                        joined(values, size, row, StoreKind.ROCKSDB), joined(values, size, row, StoreKind.IN_MEMORY),
                        joined(cpu, size, row, StoreKind.BRAID), joined(cpu, size, row, StoreKind.ROCKSDB));
                sb.append(f.stream().map(Results::csvField).collect(Collectors.joining(","))).append('\n');
            }
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, sb, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String joined(Map<Size, Map<Row, Map<StoreKind, List<Double>>>> from, Size size, Row row,
                                 StoreKind kind) {
        return rounds(from, size, row, kind).stream().map(Results::plain).collect(Collectors.joining(";"));
    }

    private static String ratioText(double r) {
        return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2f", r);
    }

    private static String cpuText(double us) {
        return Double.isNaN(us) ? "" : String.format(Locale.ROOT, us < 10 ? "%.2f" : "%,.1f", us);
    }

    static String format(Row row, double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return switch (row.unit) {
            case "x" -> String.format(Locale.ROOT, "%.2f", v);
            case "MiB", "bytes/record" -> String.format(Locale.ROOT, "%,.1f", v);
            default -> String.format(Locale.ROOT, "%,.0f", v);
        };
    }

    private static String plain(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
