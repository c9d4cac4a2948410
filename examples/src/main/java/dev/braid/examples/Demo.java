package dev.braid.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The demo: a word count whose counts live in Braid, on a Kafka broker started inside this JVM, killed
 * with SIGKILL halfway and restarted. It shows that the restart restores only the changelog tail after
 * the store's last commit (not the whole changelog), that no word is lost, and interactive queries over
 * HTTP. Steps: start a single-node KRaft broker; produce the lines; run {@link DemoApp} in a child JVM
 * with a progress display; kill it; restart it and count what it restores ({@link RestoreCounter});
 * query it ({@link QueryServer}); check every count; print a summary.
 *
 * <p>At-least-once by default: Kafka 4.3.1 commits the stores of running tasks at every commit only
 * then (under exactly-once only at close, suspension and the end of a restore, so {@link DemoApp} then
 * uses {@link dev.braid.streams.BraidClientSupplier}, with which the stores commit after each committed
 * transaction). A word counted after the last commit before the kill may be counted twice; the summary
 * says how many.
 *
 * <p>Run: {@code mvn -q -B -f examples exec:java}. Optional arguments: lines (default 40000), distinct
 * rare words (default 20000), processing guarantee (default {@code at_least_once}).
 * {@code -Dbraid.demo.keep=true} keeps the state directory and the application's log.
 */
public final class Demo {
    private static final Pattern ENTRY = Pattern.compile("\\{\"key\":\"([^\"]*)\",\"value\":(\\d+)}");
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(120);

    /** What the demo found; the smoke test checks it. */
    public record Summary(long lines, long words, int distinctWords, int exactCounts, long overCount,
                          long restoredRecords, long changelogOffsetsAtKill, long restoreMillis, long stateBytes,
                          int braidStores, long lowestRestoreStart) {
    }

    private final PrintStream out;
    private final boolean terminal;
    private final HttpClient http = HttpClient.newHttpClient();

    private Demo(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    public static void main(String[] args) throws Exception {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
        int tailWords = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        String guarantee = args.length > 2 ? args[2] : "at_least_once";
        new Demo(System.out, System.console() != null).run(lines, tailWords, guarantee);
    }

    /** Runs the whole demo under {@code guarantee} (a {@code processing.guarantee}), printing to {@code out}. */
    public static Summary run(PrintStream out, int lines, int tailWords, String guarantee) throws Exception {
        return new Demo(out, false).run(lines, tailWords, guarantee);
    }

    private Summary run(int lineCount, int tailWords, String guarantee) throws Exception {
        long startNanos = System.nanoTime();
        out.println("Braid demo: a Kafka Streams word count with its counts in Braid, killed and restarted");
        out.print("[1/6] starting a single-node KRaft Kafka broker in this JVM ... ");
        out.flush();
        Path stateDir = Files.createTempDirectory("braid-demo-state");
        Path log = stateDir.resolveSibling(stateDir.getFileName() + ".log");
        try (LocalBroker broker = LocalBroker.start(); Admin admin = broker.admin()) {
            out.printf("up at %s (%.1f s)%n", broker.bootstrapServers(), seconds(startNanos));
            DemoInput input = DemoInput.generate(lineCount, tailWords, 42);
            produce(broker, input);

            List<String> args = List.of(broker.bootstrapServers(), stateDir.toString(), guarantee);
            long changelogOffsets;
            try (ChildJvm first = ChildJvm.start(DemoApp.class, args, 512, log, line -> { })) {
                out.printf("[3/6] running the application (%s, counts in Braid) in a child JVM, pid %d%n",
                        guarantee, first.pid());
                first.awaitLine("state RUNNING"::equals, STEP_TIMEOUT, "the application to start");
                long killedAt = progress(admin, input.words(), input.words() / 2);
                first.kill();
                changelogOffsets = changelogEnd(admin);
                out.printf("[4/6] killed it with SIGKILL after %,d committed words: no commit, no close; "
                        + "its changelog holds %,d offsets%n", killedAt, changelogOffsets);
            }
            try (ChildJvm second = ChildJvm.start(DemoApp.class, args, 512, log, line -> { })) {
                out.printf("[5/6] restarted it (pid %d)%n", second.pid());
                int port = Integer.parseInt(second.awaitLine(l -> l.startsWith("http "), STEP_TIMEOUT,
                        "the query server").substring(5));
                second.awaitLine("state RUNNING"::equals, STEP_TIMEOUT, "the application to run again");
                progress(admin, input.words(), input.words());
                Map<String, Long> counts = AppRunner.waitFor(() -> allCounts(port), c -> c.covers(input.counts()),
                        STEP_TIMEOUT, "every word to reach its count").counts();
                long[] restore = restoreTotals(second.lines());
                out.printf("      restored %,d changelog records in %d ms: the tail after the store's last commit "
                        + "(the changelog holds %,d offsets; the restores started at offset %s)%n", restore[0],
                        restore[1], changelogOffsets,
                        restore[2] == Long.MAX_VALUE ? "-" : String.format("%,d", restore[2]));
                query(port, input);
                second.stop(Duration.ofSeconds(60));

                int exact = 0;
                long over = 0;
                for (Map.Entry<String, Long> e : input.counts().entrySet()) {
                    long got = counts.getOrDefault(e.getKey(), 0L);
                    exact += got == e.getValue() ? 1 : 0;
                    over += got - e.getValue();
                }
                long[] state = stateSize(stateDir);
                out.println("Summary");
                out.printf("  processed      %,d lines, %,d words; %,d of %,d counts exact%s%n", lineCount,
                        input.words(), exact, input.counts().size(), exact == input.counts().size() ? ""
                                : String.format(", %,d words counted again (records replayed after the kill: "
                                + "at-least-once)", over));
                out.printf("  restore        %,d records in %d ms after the kill (changelog: %,d offsets)%n",
                        restore[0], restore[1], changelogOffsets);
                out.printf("  state on disk  %,d bytes in %d Braid stores%n", state[0], state[1]);
                out.printf("  wall time      %.0f s%n", seconds(startNanos));
                return new Summary(lineCount, input.words(), counts.size(), exact, over, restore[0],
                        changelogOffsets, restore[1], state[0], (int) state[1], restore[2]);
            }
        } finally {
            if (Boolean.getBoolean("braid.demo.keep")) {
                out.printf("kept %s and %s%n", stateDir, log);
            } else {
                LocalBroker.deleteTree(stateDir);
                Files.deleteIfExists(log);
            }
        }
    }

    private void produce(LocalBroker broker, DemoInput input) {
        out.printf("[2/6] producing %,d lines (%,d words, %,d distinct) to topic '%s' ... ", input.lines().size(),
                input.words(), input.counts().size(), DemoApp.LINES);
        out.flush();
        long t = System.nanoTime();
        AppRunner.createTopics(broker.bootstrapServers(), 2, DemoApp.LINES);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < input.lines().size(); i++) {
            records.add(Map.entry(Integer.toString(i), input.lines().get(i)));
        }
        AppRunner.produce(broker.bootstrapServers(), DemoApp.LINES, records);
        out.printf("done (%.1f s)%n", seconds(t));
    }

    private void query(int port, DemoInput input) {
        out.println("[6/6] interactive queries over HTTP (IQv2 KeyQuery and RangeQuery):");
        for (String word : List.of("kafka", "braid", "w00000", "w00042")) {
            String body = get(port, "/stores/" + WordCount.COUNTS + "/keys/" + word);
            out.printf("      GET /stores/%s/keys/%-7s -> %s   expected %d%n", WordCount.COUNTS, word, body,
                    input.counts().getOrDefault(word, 0L));
        }
        out.printf("      GET /stores/%s?from=w00010&to=w00013 -> %s%n", WordCount.COUNTS,
                get(port, "/stores/" + WordCount.COUNTS + "?from=w00010&to=w00013"));
    }

    /**
     * Shows how many words the counting tasks have committed (the group's offsets in the repartition
     * topic, which also count a few transaction markers) until {@code target}; returns the number reached.
     */
    private long progress(Admin admin, long total, long target) {
        long[] shown = {-1};
        long done = AppRunner.waitFor(() -> {
            long n = Math.min(total, committedWords(admin));
            if (terminal || n == total || n / (total / 4) != shown[0] / (total / 4)) {
                int filled = (int) (30 * n / total);
                out.printf("%s      counted [%s%s] %,d / %,d words%s", terminal ? "\r" : "", "#".repeat(filled),
                        ".".repeat(30 - filled), n, total, terminal ? "" : System.lineSeparator());
                out.flush();
                shown[0] = n;
            }
            return n;
        }, n -> n >= target, STEP_TIMEOUT, target + " committed words");
        if (terminal) {
            out.println();
        }
        return done;
    }

    private static long committedWords(Admin admin) {
        String repartition = DemoApp.APPLICATION_ID + "-words-repartition";
        try {
            return admin.listConsumerGroupOffsets(DemoApp.APPLICATION_ID).partitionsToOffsetAndMetadata().get()
                    .entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(repartition) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            return 0; // the group does not exist before its first commit
        }
    }

    private static long changelogEnd(Admin admin) throws Exception {
        String topic = DemoApp.APPLICATION_ID + "-" + WordCount.COUNTS + "-changelog";
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < 2; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                .values().stream().mapToLong(ListOffsetsResultInfo -> ListOffsetsResultInfo.offset()).sum();
    }

    /**
     * Records restored, the longest restore's milliseconds and the lowest offset a restore started at
     * ({@code Long.MAX_VALUE} when nothing was restored), from the child's restore lines.
     */
    private static long[] restoreTotals(List<String> childLines) {
        long records = 0;
        long millis = 0;
        long lowestStart = Long.MAX_VALUE;
        for (String line : childLines) {
            String[] f = line.split(" ");
            if (f.length < 5 || !f[1].equals(WordCount.COUNTS)) {
                continue;
            }
            if (f[0].equals("restore-start")) {
                lowestStart = Math.min(lowestStart, Long.parseLong(f[3]));
            } else if (f[0].equals("restore-end")) {
                records += Long.parseLong(f[3]);
                millis = Math.max(millis, Long.parseLong(f[4]));
            }
        }
        return new long[] {records, millis, lowestStart};
    }

    /** All counts through one range query, or why there are none yet. */
    private record Counts(Map<String, Long> counts, String error) {
        /** Every word has at least its expected count (at-least-once may count a replayed record again). */
        boolean covers(Map<String, Long> expected) {
            return expected.entrySet().stream().allMatch(e -> counts.getOrDefault(e.getKey(), 0L) >= e.getValue());
        }

        @Override
        public String toString() {
            return counts.size() + " words" + (error.isEmpty() ? "" : ", error " + error);
        }
    }

    private Counts allCounts(int port) {
        Map<String, Long> counts = new HashMap<>();
        String body;
        try {
            body = get(port, "/stores/" + WordCount.COUNTS + "?limit=10000000");
        } catch (IllegalStateException notReady) {
            return new Counts(counts, notReady.getMessage());
        }
        Matcher m = ENTRY.matcher(body);
        while (m.find()) {
            counts.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return new Counts(counts, counts.isEmpty() ? body : "");
    }

    private String get(int port, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 503) {
                throw new IllegalStateException(r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Bytes of all files in Braid store directories under {@code stateDir}, and the number of stores. */
    private static long[] stateSize(Path stateDir) throws IOException {
        List<Path> stores;
        try (var paths = Files.walk(stateDir)) {
            stores = paths.filter(p -> Files.isDirectory(p) && p.getParent().getFileName().toString().equals("braid"))
                    .toList();
        }
        long bytes = 0;
        for (Path store : stores) {
            try (var files = Files.list(store)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    bytes += Files.size(f);
                }
            }
        }
        return new long[] {bytes, stores.size()};
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
