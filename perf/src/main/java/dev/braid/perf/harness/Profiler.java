package dev.braid.perf.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleSupplier;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code --profile DIR}: each timed step of the chosen kinds runs under its own Java Flight Recorder
 * recording (JFR's "profile" settings: a stack sample of every running Java thread every 10 ms),
 * saved as {@code <kind>-<size>-<step>.jfr} with a summary beside it ({@code .txt}): samples per
 * thread, the methods most often on top of the stack (self), and Braid's methods ({@code dev.braid},
 * the harness's own left out) most often anywhere on it (inclusive). For finding out why a row is slow, not for the figures: a
 * profiled run should not go into RESULTS.md. One thread.
 */
final class Profiler {
    private static final int TOP = 25;

    private final Path dir;
    private final Set<StoreKind> kinds;

    private Profiler(Path dir, Set<StoreKind> kinds) {
        this.dir = dir;
        this.kinds = kinds;
    }

    /** A profiler that records nothing. */
    static Profiler off() {
        return new Profiler(null, Set.of());
    }

    static Profiler into(Path dir, List<StoreKind> kinds) {
        return new Profiler(dir, Set.copyOf(kinds));
    }

    /** Runs {@code step}, under a recording when this kind is profiled; returns its figure. */
    double run(StoreKind kind, String sizeTag, String stepName, DoubleSupplier step) {
        if (dir == null || !kinds.contains(kind)) {
            return step.getAsDouble();
        }
        String stem = kind.option + "-" + sizeTag + "-" + stepName;
        try (Recording r = new Recording(Configuration.getConfiguration("profile"))) {
            r.start();
            double figure = step.getAsDouble();
            r.stop();
            Files.createDirectories(dir);
            Path jfr = dir.resolve(stem + ".jfr");
            r.dump(jfr);
            Files.writeString(dir.resolve(stem + ".txt"), summary(jfr, stem), StandardCharsets.UTF_8);
            return figure;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ParseException e) {
            throw new IllegalStateException("JFR has no 'profile' configuration", e);
        }
    }

    /** Samples per thread, top self methods, top inclusive dev.braid methods. */
    static String summary(Path jfr, String title) throws IOException {
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> braid = new HashMap<>();
        int samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
            threads.merge(thread == null ? "?" : thread, 1, Integer::sum);
            List<RecordedFrame> frames = st.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                String n = name(f);
                if (n.startsWith("dev.braid.") && !n.startsWith("dev.braid.perf.") && seen.add(n)) {
                    braid.merge(n, 1, Integer::sum);
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(title).append(": ").append(samples).append(" execution samples (10 ms per running thread)\n");
        section(sb, "threads", threads, samples);
        section(sb, "top of stack (self)", self, samples);
        section(sb, "Braid methods anywhere on the stack (inclusive)", braid, samples);
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, Map<String, Integer> counts, int samples) {
        sb.append('\n').append(title).append(":\n");
        Map<String, Integer> sorted = new LinkedHashMap<>();
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(TOP)
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        sorted.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %5.1f%%  %6d  %s%n",
                100.0 * v / Math.max(1, samples), v, k)));
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
}
