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
 * Every round's figure per data set, row and store kind; the medians over the rounds, the
 * Braid/RocksDB ratios, the goals, and their output as a console table and a CSV file.
 */
final class Results {
    static final List<String> CSV_HEADER = List.of("records", "value_bytes", "setting", "workload", "unit", "better",
            "braid", "rocksdb", "in_memory", "braid_over_rocksdb", "goal", "goal_met", "braid_rounds",
            "rocksdb_rounds", "in_memory_rounds");

    private final Map<Size, Map<Row, Map<StoreKind, List<Double>>>> values = new LinkedHashMap<>();

    void add(Size size, StoreKind kind, Map<Row, Double> figures) {
        Map<Row, Map<StoreKind, List<Double>>> rows = values.computeIfAbsent(size, s -> new EnumMap<>(Row.class));
        figures.forEach((row, v) -> rows.computeIfAbsent(row, r -> new EnumMap<>(StoreKind.class))
                .computeIfAbsent(kind, k -> new ArrayList<>()).add(v));
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
        List<Double> l = rounds(size, row, kind);
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

    private List<Double> rounds(Size size, Row row, StoreKind kind) {
        return values.getOrDefault(size, Map.of()).getOrDefault(row, Map.of()).getOrDefault(kind, List.of());
    }

    /** The table: one block per data set, rows grouped by memory setting. */
    void printTable(PrintStream out, long budgetBytes) {
        String fmt = "%-40s %-12s %13s %13s %13s %9s  %-12s %s%n";
        for (Size size : sizes()) {
            out.printf(Locale.ROOT, "%n%s (raw key+value %s per record)%n", size.label(),
                    Size.bytes(Dataset.KEY_BYTES + size.valueBytes()));
            String head = String.format(Locale.ROOT, fmt, "workload", "unit", "Braid", "RocksDB", "in-memory",
                    "B/R", "goal", "met");
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
                        Double.isNaN(ratio(size, row)) ? "-" : String.format(Locale.ROOT, "%.2f", ratio(size, row)),
                        row.goal.describe(), met == null ? "" : met ? "yes" : "NO");
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
                        met == null ? "" : met.toString(), joined(size, row, StoreKind.BRAID),
                        joined(size, row, StoreKind.ROCKSDB), joined(size, row, StoreKind.IN_MEMORY));
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

    private String joined(Size size, Row row, StoreKind kind) {
        return rounds(size, row, kind).stream().map(Results::plain).collect(Collectors.joining(";"));
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
