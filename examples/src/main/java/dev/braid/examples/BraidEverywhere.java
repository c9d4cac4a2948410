package dev.braid.examples;

import dev.braid.streams.BraidDslStoreSuppliers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * A whole application switched to Braid by one setting: with {@code dsl.store.suppliers.class} =
 * {@link BraidDslStoreSuppliers} every key-value store of the DSL is a Braid store, without naming a
 * supplier anywhere. The topology has three: the customers table, the order count per customer and
 * the revenue per country (a stream-table join, then two aggregations). Window and session stores
 * would stay on RocksDB.
 *
 * <p>{@code main} runs it on a {@link LocalBroker} and prints the revenue per country and the Braid
 * store directories it finds in the state directory.
 */
public final class BraidEverywhere {
    static final String CUSTOMERS = "customers"; // customer -> country
    static final String ORDERS = "orders";       // customer -> amount
    static final String REVENUE = "revenue-by-country";

    private BraidEverywhere() {
    }

    /** The one line that moves every key-value store of the DSL to Braid. */
    public static Properties useBraidEverywhere(Properties props) {
        props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BraidDslStoreSuppliers.class);
        return props;
    }

    public static void addTo(StreamsBuilder builder) {
        KTable<String, String> countries = builder.table(CUSTOMERS, Consumed.with(Serdes.String(), Serdes.String()),
                Materialized.as("customer-countries"));
        var orders = builder.stream(ORDERS, Consumed.with(Serdes.String(), Serdes.Long()));
        orders.groupByKey(Grouped.with(Serdes.String(), Serdes.Long()))
                .count(Materialized.as("orders-per-customer"));
        orders.join(countries, (amount, country) -> KeyValue.pair(country, amount))
                .map((customer, countryAmount) -> countryAmount)
                .groupByKey(Grouped.with("by-country", Serdes.String(), Serdes.Long()))
                .reduce(Long::sum, Materialized.as(REVENUE));
    }

    public static void main(String[] args) throws Exception {
        Path stateDir = Files.createTempDirectory("braid-everywhere");
        try (LocalBroker broker = LocalBroker.start()) {
            run(broker.bootstrapServers(), stateDir, System.out);
        } finally {
            LocalBroker.deleteTree(stateDir);
        }
    }

    /** Runs the example on a broker; returns the revenue per country. */
    public static Map<String, Long> run(String bootstrapServers, Path stateDir, PrintStream out) throws IOException {
        AppRunner.createTopics(bootstrapServers, 2, CUSTOMERS, ORDERS);
        AppRunner.produce(bootstrapServers, CUSTOMERS,
                List.of(Map.entry("ada", "UK"), Map.entry("linus", "FI"), Map.entry("grace", "US"),
                        Map.entry("alan", "UK")));
        Map<String, Long> expected = Map.of("UK", 60L, "FI", 7L, "US", 5L);
        StreamsBuilder builder = new StreamsBuilder();
        addTo(builder);
        Properties props = useBraidEverywhere(
                AppRunner.baseConfig("braid-everywhere", bootstrapServers, stateDir));
        try (KafkaStreams streams = new KafkaStreams(builder.build(props), props)) {
            AppRunner.startAndAwaitRunning(streams, Duration.ofSeconds(60));
            // the table is read before the orders arrive: a stream-table join sees only what the table has
            AppRunner.waitFor(() -> streams.query(StateQueryRequest.inStore("customer-countries")
                            .withQuery(RangeQuery.<String, Object>withNoBounds())).getPartitionResults().values()
                            .stream().filter(r -> r.isSuccess()).mapToLong(r -> drain(r.getResult()).size()).sum(),
                    n -> n == 4, Duration.ofSeconds(60), "the customers table to hold 4 customers");
            AppRunner.produce(bootstrapServers, ORDERS, List.of(Map.entry("ada", 10L), Map.entry("linus", 7L),
                    Map.entry("alan", 30L), Map.entry("grace", 5L), Map.entry("ada", 20L)),
                    new StringSerializer(), new LongSerializer());
            Map<String, Long> revenue = AppRunner.waitFor(() -> revenue(streams), expected::equals,
                    Duration.ofSeconds(60), "the revenue per country to be " + expected);
            out.println("revenue per country: " + revenue);
            try (Stream<Path> paths = Files.walk(stateDir)) {
                paths.filter(p -> Files.isDirectory(p) && p.getParent().getFileName().toString().equals("braid"))
                        .map(p -> stateDir.relativize(p).toString()).sorted()
                        .forEach(p -> out.println("Braid store: " + p));
            }
            return revenue;
        }
    }

    private static Map<String, Long> revenue(KafkaStreams streams) {
        Map<String, Long> revenue = new TreeMap<>();
        var result = streams.query(StateQueryRequest.inStore(REVENUE).withQuery(RangeQuery.<String, Long>withNoBounds()));
        for (var partition : result.getPartitionResults().values()) {
            if (partition.isSuccess()) {
                revenue.putAll(drain(partition.getResult()));
            }
        }
        return revenue;
    }

    private static <V> Map<String, V> drain(KeyValueIterator<String, V> it) {
        Map<String, V> all = new TreeMap<>();
        try (it) {
            it.forEachRemaining(kv -> all.put(kv.key, kv.value));
        }
        return all;
    }
}
