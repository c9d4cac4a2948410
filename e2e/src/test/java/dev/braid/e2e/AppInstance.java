package dev.braid.e2e;

import dev.braid.examples.AppRunner;
import dev.braid.examples.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One run of a {@link SequenceApp} instance in a child JVM, seen from the test: start, SIGKILL or
 * clean stop, and what it reported (restores, processed records, tasks). Waits fail with the child's
 * log file named, and fail at once if the application reports an uncaught exception or the ERROR state.
 *
 * <p>Not thread safe: one test thread.
 */
final class AppInstance implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final ChildJvm child;
    private final String name;

    private AppInstance(ChildJvm child, String name) {
        this.child = child;
        this.name = name;
    }

    /** Starts an instance; {@code args} are {@link SequenceApp}'s {@code key=value} arguments. */
    static AppInstance start(String name, Path log, List<String> args) {
        List<String> all = new ArrayList<>(args);
        all.add("instance=" + name);
        return new AppInstance(ChildJvm.start(SequenceApp.class, all, 256, log, line -> { }), name);
    }

    /** Waits until the instance reports RUNNING. */
    AppInstance awaitRunning() {
        awaitLine("state RUNNING"::equals, "state RUNNING");
        return this;
    }

    /** Waits until this run has processed at least {@code records} records. */
    void awaitProcessed(long records) {
        awaitLine(l -> l.startsWith("processed ") && Long.parseLong(l.substring(10)) >= records,
                records + " processed records");
    }

    /** Waits for a reported line that {@code match} accepts; returns it. */
    String awaitLine(Predicate<String> match, String what) {
        return child.awaitLine(line -> {
            failIfBroken(line, what);
            return match.test(line);
        }, TIMEOUT, name + ": " + what);
    }

    /** SIGKILL. */
    void kill() {
        child.kill();
    }

    /** Clean shutdown: Kafka Streams closes and commits. */
    void stop() {
        child.stop(TIMEOUT);
    }

    /** Records restored per {@code store@changelog-partition} in this run (from restore-end lines). */
    Map<String, Long> restored(String store) {
        Map<String, Long> restored = new TreeMap<>();
        for (String line : child.lines()) {
            String[] f = line.split(" ");
            if (f[0].equals("restore-end") && f[1].equals(store)) {
                restored.merge(f[2], Long.parseLong(f[3]), Long::sum);
            }
        }
        return restored;
    }

    /**
     * Records restored into {@code store} by this run, once every restore it started has ended (fails
     * if one is still running after the timeout).
     */
    long restoredWhenDone(String store) {
        AppRunner.waitFor(() -> count("restore-start " + store + " ")
                        == count("restore-end " + store + " ") + count("restore-suspended " + store + " "),
                done -> done, TIMEOUT, name + ": the restores of " + store + " to end");
        return restored(store).values().stream().mapToLong(Long::longValue).sum();
    }

    /** The changelog offsets each restore of {@code store} in this run started from, by partition. */
    Map<String, Long> restoreStartOffsets(String store) {
        Map<String, Long> starts = new TreeMap<>();
        for (String line : child.lines()) {
            String[] f = line.split(" ");
            if (f[0].equals("restore-start") && f[1].equals(store)) {
                starts.put(f[2], Long.parseLong(f[3]));
            }
        }
        return starts;
    }

    /** How often a restore of {@code changelogPartition} ({@code topic-partition}) started in this run. */
    long restoreCount(String changelogPartition) {
        return child.lines().stream().filter(l -> l.startsWith("restore-start ")
                && l.split(" ")[2].equals(changelogPartition)).count();
    }

    private long count(String prefix) {
        return child.lines().stream().filter(l -> l.startsWith(prefix)).count();
    }

    /** The instance's tasks as last reported: active and standby task ids ({@code 0_2}). */
    record Tasks(Set<String> active, Set<String> standby) {
        static Tasks parse(String line) { // tasks active=[0_0, 0_1] standby=[0_2]
            int s = line.indexOf(" standby=");
            return new Tasks(ids(line.substring("tasks active=".length(), s)),
                    ids(line.substring(s + " standby=".length())));
        }

        private static Set<String> ids(String list) {
            String inner = list.substring(1, list.length() - 1).trim();
            return inner.isEmpty() ? Set.of() : new TreeSet<>(List.of(inner.split(", ")));
        }
    }

    Tasks tasks() {
        String last = "tasks active=[] standby=[]";
        for (String line : child.lines()) {
            if (line.startsWith("tasks ")) {
                last = line;
            }
        }
        return Tasks.parse(last);
    }

    /** Waits until the reported tasks satisfy {@code match}; returns them. */
    Tasks awaitTasks(Predicate<Tasks> match, String what) {
        return AppRunner.waitFor(this::tasks, t -> {
            failIfBroken(what);
            return match.test(t);
        }, TIMEOUT, name + ": " + what);
    }

    private void failIfBroken(String what) {
        child.lines().forEach(line -> failIfBroken(line, what));
    }

    private void failIfBroken(String line, String what) {
        if (line.startsWith("uncaught ") || line.equals("state ERROR") || line.equals("state PENDING_ERROR")) {
            throw new AssertionError(name + " failed while waiting for " + what + ": " + line + " (see its log)");
        }
    }

    List<String> lines() {
        return child.lines();
    }

    @Override
    public void close() {
        child.close();
    }

    @Override
    public String toString() {
        return name;
    }
}
