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
 * {@code ROW=value} lines.
 */
final class Fork {
    private Fork() {
    }

    /** Runs {@code kind}'s part of {@code round} of data set {@code sizeIndex} in a child JVM. */
    static Map<Row, Double> run(HarnessConfig c, StoreKind kind, int sizeIndex, int round) {
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
                Map<Row, Double> figures = new EnumMap<>(Row.class);
                for (String line : Files.readAllLines(result, StandardCharsets.UTF_8)) {
                    int eq = line.indexOf('=');
                    figures.put(Row.valueOf(line.substring(0, eq)), Double.parseDouble(line.substring(eq + 1)));
                }
                return figures;
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
        Map<Row, Double> figures = StoreRun.run(ch.kind(), d, c, c.seed() + 100L * ch.round(),
                Harness.profiler(c), log);
        double rss = MemoryProbe.peakRssBytes();
        if (!Double.isNaN(rss)) {
            figures.put(Row.PEAK_RSS, rss / (1 << 20));
        }
        StringBuilder sb = new StringBuilder();
        figures.forEach((row, v) -> sb.append(row.name()).append('=').append(v).append('\n'));
        try {
            Files.writeString(ch.resultFile(), sb, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
