package dev.braid.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke tests of the Kafka examples, on one broker for the class; each checks the answers it gets. */
class KafkaExamplesTest {
    private static LocalBroker broker;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = LocalBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void wordCountCountsTheWords() {
        Map<String, Long> counts = WordCount.run(broker.bootstrapServers(), stateDir, quiet());
        assertEquals(Map.of("the", 3L, "dog", 2L, "fox", 1L), counts);
        assertTrue(Files.isDirectory(stateDir.resolve("wordcount/1_0/braid/" + WordCount.COUNTS)),
                "the counts live in a Braid store directory");
    }

    @Test
    void oneSettingPutsEveryDslKeyValueStoreInBraid() throws IOException {
        Map<String, Long> revenue = BraidEverywhere.run(broker.bootstrapServers(), stateDir, quiet());
        assertEquals(Map.of("UK", 60L, "FI", 7L, "US", 5L), revenue);
        Set<String> braidStores;
        try (Stream<Path> paths = Files.walk(stateDir)) {
            braidStores = paths.filter(p -> Files.isDirectory(p)
                            && p.getParent().getFileName().toString().equals("braid"))
                    .map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        assertEquals(Set.of("customer-countries", "orders-per-customer", BraidEverywhere.REVENUE), braidStores);
    }

    @Test
    void queryServerAnswersKeyAndRangeQueries() throws Exception {
        AppRunner.createTopics(broker.bootstrapServers(), 2, "qs-lines");
        AppRunner.produce(broker.bootstrapServers(), "qs-lines", List.of(Map.entry("1", "b a c a"),
                Map.entry("2", "d \"quoted\" a"), Map.entry("3", "c")));
        StreamsBuilder builder = new StreamsBuilder();
        WordCount.addTo(builder, "qs-lines");
        HttpClient http = HttpClient.newHttpClient();
        try (KafkaStreams streams = new KafkaStreams(builder.build(),
                AppRunner.baseConfig("query-server", broker.bootstrapServers(), stateDir));
             QueryServer server = QueryServer.start(streams, 0)) {
            AppRunner.startAndAwaitRunning(streams, Duration.ofSeconds(60));
            String base = "http://127.0.0.1:" + server.port() + "/stores/" + WordCount.COUNTS;
            AppRunner.waitFor(() -> get(http, base + "/keys/a"), r -> r.equals("200 {\"key\":\"a\",\"value\":3}"),
                    Duration.ofSeconds(60), "the count of a to be 3");
            AppRunner.waitFor(() -> get(http, base + "/keys/d"), r -> r.startsWith("200"),
                    Duration.ofSeconds(60), "the count of d");
            // a range query reads past Kafka's record cache, so it sees the counts once a commit flushed them
            String abc = "200 [{\"key\":\"a\",\"value\":3},{\"key\":\"b\",\"value\":1},{\"key\":\"c\",\"value\":2}]";
            AppRunner.waitFor(() -> get(http, base + "?from=a&to=c"), abc::equals, Duration.ofSeconds(60),
                    "the range a..c to read " + abc);
            assertEquals("200 [{\"key\":\"a\",\"value\":3},{\"key\":\"b\",\"value\":1}]", get(http, base + "?to=b"));
            // d and quoted may sit in another partition's task, flushed by its own commit: wait for it too
            String fromC = "200 [{\"key\":\"c\",\"value\":2},{\"key\":\"d\",\"value\":1},{\"key\":\"quoted\",\"value\":1}]";
            AppRunner.waitFor(() -> get(http, base + "?from=c"), fromC::equals, Duration.ofSeconds(60),
                    "the range from c to read " + fromC);
            assertEquals("200 [{\"key\":\"a\",\"value\":3}]", get(http, base + "?limit=1"));
            assertTrue(get(http, base + "/keys/zebra").startsWith("404"), "an absent key is 404");
            assertTrue(get(http, "http://127.0.0.1:" + server.port() + "/stores/no-such-store/keys/a")
                    .startsWith("404"), "an unknown store is 404");
        }
    }

    private static String get(HttpClient http, String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
