package dev.braid.perf.harness;

import dev.braid.perf.harness.HarnessConfig.Child;
import dev.braid.perf.harness.HarnessConfig.Size;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --fork}: one kind's part of a round in a JVM of its own (same JVM flags, class path and
 * arguments), so that the process's resident-set high-water mark belongs to that store alone. The
 * child runs its own warm-up first, then the measured run, and hands its figures back in a file of
 * {@code V.ROW=value} (figures) and {@code C.ROW=value} (CPU per operation) lines.
 */
final class Fork {
    private Fork() {
    }

    /** Runs {@code kind}'s part of {@code round} of data set {@code sizeIndex} in a child JVM. */
    static StoreRun.Figures run(HarnessConfig c, StoreKind kind, int sizeIndex, int round) {
        try {
            Path result = Files.createTempFile("harness-child-", ".txt");
            try {
                List<String> cmd = new ArrayList<>();
                cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
                cmd.add("-cp");
                cmd.add(System.getProperty("java.class.path"));
                cmd.add(Harness.class.getName());
                cmd.addAll(c.args());
                cmd.addAll(List.of("--child-kind", kind.option, "--child-size", Integer.toString(sizeIndex),
                        "--child-round", Integer.toString(round), "--child-out", result.toString()));
                Process p = new ProcessBuilder(cmd).inheritIO().start();
                int exit = p.waitFor();
                if (exit != 0) {
                    throw new IllegalStateException("the forked JVM for " + kind.option + " exited with " + exit);
                }
                Map<Row, Double> values = new EnumMap<>(Row.class);
                Map<Row, Double> cpu = new EnumMap<>(Row.class);
                for (String line : Files.readAllLines(result, StandardCharsets.UTF_8)) {
                    int eq = line.indexOf('=');
                    Row row = Row.valueOf(line.substring(2, eq));
                    (line.startsWith("C.") ? cpu : values).put(row, Double.parseDouble(line.substring(eq + 1)));
                }
                return new StoreRun.Figures(values, cpu);
            } finally {
                Files.deleteIfExists(result);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a forked JVM", e);
        }
    }

    /** The child's side: warm-up, the measured run, the peak RSS, the figures into the result file. */
    static void child(HarnessConfig c, PrintStream log) {
        Child ch = c.child();
        Size size = c.sizes().get(ch.sizeIndex());
        Harness.warmUp(c, size, List.of(ch.kind()), log);
        Dataset d = new Dataset(size.records(), size.valueBytes(), c.seed());
        StoreRun.Figures figures = StoreRun.run(ch.kind(), d, c, c.seed() + 100L * ch.round(),
                Harness.profiler(c), log);
        StringBuilder sb = new StringBuilder();
        double rss = MemoryProbe.peakRssBytes();
        if (!Double.isNaN(rss)) {
            sb.append("V.").append(Row.PEAK_RSS.name()).append('=').append(rss / (1 << 20)).append('\n');
        }
        figures.values().forEach((row, v) -> sb.append("V.").append(row.name()).append('=').append(v).append('\n'));
        figures.cpuMicrosPerOp().forEach((row, v) -> sb.append("C.").append(row.name()).append('=').append(v)
                .append('\n'));
        try {
            Files.writeString(ch.resultFile(), sb, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
