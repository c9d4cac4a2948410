package dev.braid.examples;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A Java program in a child JVM on this JVM's class path: the way to stop an application hard. Its
 * standard output is read line by line (kept, copied to a log file, and passed to a listener); its
 * standard error goes to the same log file. {@link #kill()} is {@code destroyForcibly()}, a SIGKILL:
 * no shutdown hook, no commit, no close. {@link #stop} asks the program to stop cleanly by writing
 * {@code stop} to its standard input.
 *
 * <p>Thread safety: one owner thread; the output reader thread only appends to the line list.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private final Path log;

    private ChildJvm(Process process, Path log, Consumer<String> listener) {
        this.process = process;
        this.log = log;
        this.reader = new Thread(() -> read(listener), "child-output-" + process.pid());
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Starts {@code mainClass} with {@code args} and a heap of {@code heapMiB}, appending its output to
     * {@code log}; {@code listener} gets each line of its standard output.
     */
    public static ChildJvm start(Class<?> mainClass, List<String> args, int heapMiB, Path log,
                                 Consumer<String> listener) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMiB + "m", "-XX:+UseSerialGC",
                "-cp", classPath(), mainClass.getName()));
        cmd.addAll(args);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process p = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ChildJvm(p, log, listener);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + mainClass.getName(), e);
        }
    }

    /** The lines the child printed so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** The first line so far, or later, that {@code match} accepts; fails after {@code timeout}. */
    public String awaitLine(Predicate<String> match, Duration timeout, String what) {
        return AppRunner.waitFor(() -> {
            for (String line : lines) {
                if (match.test(line)) {
                    return line;
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the child exited with " + process.exitValue() + " before "
                        + what + "; see " + log);
            }
            return null;
        }, line -> line != null, timeout, what + " (child log: " + log + ")");
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: the JVM dies at once, wherever its threads are. Waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /** Asks the child to stop cleanly; fails (after killing it) if it has not exited 0 within {@code timeout}. */
    public void stop(Duration timeout) {
        try {
            OutputStream in = process.getOutputStream();
            PrintWriter w = new PrintWriter(in, true, StandardCharsets.UTF_8);
            w.println("stop");
        } catch (RuntimeException ignoredIfAlreadyGone) {
            // the exit code below tells what happened
        }
        if (!waitForExit(timeout)) {
            kill();
            throw new IllegalStateException("the child did not stop within " + timeout.toSeconds()
                    + " s; killed it. See " + log);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("the child exited with " + process.exitValue() + "; see " + log);
        }
    }

    /** Kills the child if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    private boolean waitForExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                reader.join(5_000); // the rest of its output
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the child", e);
        }
    }

    private void read(Consumer<String> listener) {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
                Files.writeString(log, line + System.lineSeparator(), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                listener.accept(line);
            }
        } catch (IOException e) {
            lines.add("(output lost: " + e + ")");
        }
    }

    /**
     * This JVM's class path. Under {@code mvn exec:java} the program runs in Maven's JVM, where
     * {@code java.class.path} is Maven's own launcher, so the class loaders' URLs come first.
     */
    static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        // only the loader of this class: its parents under Maven are Maven's own
        if (ChildJvm.class.getClassLoader() instanceof URLClassLoader ucl) {
            for (URL url : ucl.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException notAFile) {
                    // not a local file: a child cannot use it
                }
            }
        }
        if (entries.isEmpty()) {
            return System.getProperty("java.class.path");
        }
        return String.join(File.pathSeparator, entries);
    }
}
