package dev.braid.examples;

import dev.braid.streams.BraidStores;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;

/**
 * One store in Braid: the classic word count, its counts materialized with
 * {@code Materialized.as(BraidStores.persistentTimestampedKeyValueStore("word-counts"))}. Everything
 * else about the application is ordinary Kafka Streams; Kafka wraps the Braid store in its usual
 * caching and change-logging layers.
 *
 * <p>{@code main} runs it on a {@link LocalBroker} over a few lines and prints some counts. The DSL
 * keeps timestamps with its counts, so the timestamped supplier fits it best: with the plain
 * {@code persistentKeyValueStore} Kafka 4.3.1 puts a converting adapter in between, whose IQv2
 * {@code RangeQuery} fails for every store but RocksDB (it casts the iterator to Kafka's RocksDB
 * iterator); key queries work either way.
 */
public final class WordCount {
    /** The name of the counts store, for interactive queries. */
    public static final String COUNTS = "word-counts";

    private WordCount() {
    }

    /** Adds the word count of the lines in {@code linesTopic} to {@code builder}. */
    public static void addTo(StreamsBuilder builder, String linesTopic) {
        builder.stream(linesTopic, Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\W+")))
                .filter((key, word) -> !word.isEmpty())
                .groupBy((key, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(BraidStores.persistentTimestampedKeyValueStore(COUNTS))
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.Long()));
    }

    public static void main(String[] args) throws Exception {
        Path stateDir = Files.createTempDirectory("braid-wordcount");
        try (LocalBroker broker = LocalBroker.start()) {
            run(broker.bootstrapServers(), stateDir, System.out);
        } finally {
            LocalBroker.deleteTree(stateDir);
        }
    }

    /** Counts the words of three lines on a broker; returns the counts of "the", "dog" and "fox". */
    public static Map<String, Long> run(String bootstrapServers, Path stateDir, PrintStream out) {
        List<String> lines = List.of("the quick brown fox", "jumps over the lazy dog", "the dog sleeps");
        AppRunner.createTopics(bootstrapServers, 1, "lines");
        AppRunner.produce(bootstrapServers, "lines", lines.stream().map(l -> Map.entry(l, l)).toList());
        StreamsBuilder builder = new StreamsBuilder();
        addTo(builder, "lines");
        try (KafkaStreams streams = new KafkaStreams(builder.build(),
                AppRunner.baseConfig("wordcount", bootstrapServers, stateDir))) {
            AppRunner.startAndAwaitRunning(streams, Duration.ofSeconds(60));
            AppRunner.waitFor(() -> count(streams, "the"), n -> n != null && n == 3, Duration.ofSeconds(60),
                    "the count of 'the' to reach 3");
            Map<String, Long> counts = new TreeMap<>();
            for (String word : List.of("the", "dog", "fox")) {
                counts.put(word, count(streams, word));
            }
            out.println("counts: " + counts);
            return counts;
        }
    }

    /** The count of {@code word} through IQv2, or null while it has none (or no task is queryable). */
    static Long count(KafkaStreams streams, String word) {
        StateQueryResult<Long> result = streams.query(
                StateQueryRequest.inStore(COUNTS).withQuery(KeyQuery.<String, Long>withKey(word)));
        for (var partition : result.getPartitionResults().values()) {
            if (partition.isSuccess() && partition.getResult() != null) {
                return partition.getResult();
            }
        }
        return null;
    }
}
