package dev.braid.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStoreWithHeaders;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DSL and Processor API topologies with their stores in Braid, run in {@link TopologyTestDriver} next
 * to the same topology on Kafka's in-memory stores: the outputs must be identical.
 */
class TopologyTest {
    @TempDir
    Path dir;

    private static final List<String> WORDS = List.of("apple", "pear", "fig", "plum", "kiwi", "lime", "date");

    @ParameterizedTest
    @ValueSource(longs = {0, 10L << 20})
    void tableMaterializedInBraidMatchesInMemory(long cacheBytes) {
        Function<Function<String, KeyValueBytesStoreSupplier>, Topology> topology = stores -> {
            StreamsBuilder b = new StreamsBuilder();
            b.table("in", Consumed.with(Serdes.String(), Serdes.String()),
                            Materialized.<String, String>as(stores.apply("table"))
                                    .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()))
                    .toStream().to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        };
        assertSameOutput(topology, cacheBytes, (driver, rnd) -> {
            TestInputTopic<String, String> in = input(driver, "in");
            for (int i = 0; i < 300; i++) {
                in.pipeInput(word(rnd), rnd.nextInt(5) == 0 ? null : "v" + i);
            }
        }, "table");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 10L << 20})
    void countMaterializedInBraidMatchesInMemory(long cacheBytes) {
        Function<Function<String, KeyValueBytesStoreSupplier>, Topology> topology = stores -> {
            StreamsBuilder b = new StreamsBuilder();
            b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupBy((k, v) -> v, org.apache.kafka.streams.kstream.Grouped.with(Serdes.String(), Serdes.String()))
                    .count(Materialized.as(stores.apply("counts")))
                    .toStream().mapValues(Object::toString).to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        };
        assertSameOutput(topology, cacheBytes, (driver, rnd) -> {
            TestInputTopic<String, String> in = input(driver, "in");
            for (int i = 0; i < 500; i++) {
                in.pipeInput("k" + i, word(rnd));
            }
        }, "counts");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 10L << 20})
    void joinsWithBraidTablesMatchInMemory(long cacheBytes) {
        Function<Function<String, KeyValueBytesStoreSupplier>, Topology> topology = stores -> {
            StreamsBuilder b = new StreamsBuilder();
            KTable<String, String> customers = b.table("customers", Consumed.with(Serdes.String(), Serdes.String()),
                    Materialized.<String, String>as(stores.apply("customers"))
                            .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()));
            KTable<String, String> regions = b.table("regions", Consumed.with(Serdes.String(), Serdes.String()),
                    Materialized.<String, String>as(stores.apply("regions"))
                            .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()));
            KStream<String, String> orders = b.stream("orders", Consumed.with(Serdes.String(), Serdes.String()));
            orders.join(customers, (order, customer) -> order + "@" + customer)
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            customers.join(regions, (c, r) -> c + "/" + r,
                            Materialized.<String, String>as(stores.apply("customer-regions"))
                                    .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()))
                    .toStream().to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        };
        assertSameOutput(topology, cacheBytes, (driver, rnd) -> {
            TestInputTopic<String, String> customers = input(driver, "customers");
            TestInputTopic<String, String> regions = input(driver, "regions");
            TestInputTopic<String, String> orders = input(driver, "orders");
            for (int i = 0; i < 400; i++) {
                switch (rnd.nextInt(3)) {
                    case 0 -> customers.pipeInput(word(rnd), rnd.nextInt(6) == 0 ? null : "c" + i);
                    case 1 -> regions.pipeInput(word(rnd), "r" + i);
                    default -> orders.pipeInput(word(rnd), "o" + i);
                }
            }
        }, "customers");
    }

    @Test
    void storeBuildersUseTheBraidStoreForEveryFormat() {
        StreamsBuilder b = new StreamsBuilder();
        StoreBuilder<KeyValueStore<String, Long>> plain = Stores.keyValueStoreBuilder(
                BraidStores.persistentKeyValueStore("plain"), Serdes.String(), Serdes.Long());
        StoreBuilder<TimestampedKeyValueStore<String, Long>> ts = Stores.timestampedKeyValueStoreBuilder(
                BraidStores.persistentTimestampedKeyValueStore("ts"), Serdes.String(), Serdes.Long());
        StoreBuilder<TimestampedKeyValueStoreWithHeaders<String, Long>> headers =
                Stores.timestampedKeyValueStoreWithHeadersBuilder(
                        BraidStores.persistentTimestampedKeyValueStoreWithHeaders("headers"), Serdes.String(), Serdes.Long());
        b.addStateStore(plain).addStateStore(ts).addStateStore(headers);
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .process(() -> new Processor<String, String, Void, Void>() {
                    private KeyValueStore<String, Long> p;
                    private TimestampedKeyValueStore<String, Long> t;
                    private TimestampedKeyValueStoreWithHeaders<String, Long> h;

                    @Override
                    public void init(ProcessorContext<Void, Void> context) {
                        p = context.getStateStore("plain");
                        t = context.getStateStore("ts");
                        h = context.getStateStore("headers");
                    }

                    @Override
                    public void process(Record<String, String> r) {
                        Long old = p.get(r.key());
                        long n = old == null ? 1 : old + 1;
                        p.put(r.key(), n);
                        t.put(r.key(), ValueAndTimestamp.make(n, r.timestamp()));
                        h.put(r.key(), org.apache.kafka.streams.state.ValueTimestampHeaders.make(n, r.timestamp(), r.headers()));
                    }
                }, "plain", "ts", "headers");
        try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), props(0))) {
            TestInputTopic<String, String> in = input(driver, "in");
            in.pipeInput("a", "x", 100L);
            in.pipeInput("a", "y", 200L);
            in.pipeInput("b", "z", 300L);
            assertEquals(2L, driver.<String, Long>getKeyValueStore("plain").get("a"));
            assertEquals(ValueAndTimestamp.make(2L, 200L), driver.<String, Long>getTimestampedKeyValueStore("ts").get("a"));
            assertEquals(1L, driver.<String, Long>getKeyValueStore("plain").get("b"));
            assertEquals(BraidKeyValueStore.class, innermost(driver.getAllStateStores().get("plain")).getClass());
            assertEquals(BraidTimestampedKeyValueStore.class, innermost(driver.getAllStateStores().get("ts")).getClass());
            assertEquals(BraidHeadersKeyValueStore.class, innermost(driver.getAllStateStores().get("headers")).getClass());
            assertTrue(dir.resolve("state").toFile().exists());
        }
    }

    @Test
    void interactiveQueriesOfTheDriverReadTheBraidStore() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey().count(Materialized.as(BraidStores.persistentKeyValueStore("counts")));
        try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), props(0))) {
            TestInputTopic<String, String> in = input(driver, "in");
            in.pipeInput("a", "1");
            in.pipeInput("a", "2");
            KeyValueStore<String, ValueAndTimestamp<Long>> store = driver.getTimestampedKeyValueStore("counts");
            assertEquals(2L, store.get("a").value());
            assertNull(store.get("b"));
            List<String> keys = new ArrayList<>();
            try (var it = store.all()) {
                it.forEachRemaining(kv -> keys.add(kv.key));
            }
            assertEquals(List.of("a"), keys);
            assertFalse(driver.getAllStateStores().isEmpty());
        }
    }

    @Test
    void dslStoreSuppliersConfigPutsEveryDslKeyValueStoreInBraid() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String())).groupByKey().count();
        Properties props = props(0);
        props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BraidDslStoreSuppliers.class);
        try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), props)) {
            input(driver, "in").pipeInput("a", "1");
            input(driver, "in").pipeInput("a", "2");
            String store = driver.getAllStateStores().keySet().iterator().next();
            assertEquals(2L, driver.<String, Long>getTimestampedKeyValueStore(store).get("a").value());
            java.io.File[] braidDirs = dir.resolve("state").toFile()
                    .listFiles(); // <state>/<app id>/<task>/braid/<store>
            assertTrue(java.nio.file.Files.isDirectory(braidDirs[0].toPath().resolve("0_0").resolve("braid").resolve(store)),
                    "the count's store lives in Braid's directory");
        }
    }

    @Test
    void aHeadersSupplierInMaterializedGetsKafkasHeadersBuilder() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count(Materialized.as(BraidStores.persistentTimestampedKeyValueStoreWithHeaders("counts")))
                .toStream().mapValues(Object::toString).to("out", Produced.with(Serdes.String(), Serdes.String()));
        try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), props(0))) {
            TestInputTopic<String, String> in = input(driver, "in");
            in.pipeInput("a", "1");
            in.pipeInput("b", "1");
            in.pipeInput("a", "2");
            assertEquals(List.of(KeyValue.pair("a", "1"), KeyValue.pair("b", "1"), KeyValue.pair("a", "2")),
                    driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer()).readKeyValuesToList());
            org.apache.kafka.streams.processor.StateStore metered = driver.getAllStateStores().get("counts");
            assertTrue(metered instanceof TimestampedKeyValueStoreWithHeaders, metered.getClass().getName());
            assertEquals(BraidHeadersKeyValueStore.class, innermost(metered).getClass(), "used as is, no adapter");
        }
    }

    @Test
    void timestampedIqv2QueriesAreAnsweredThroughKafkasMeteredLayer() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey().count(Materialized.as(BraidStores.persistentTimestampedKeyValueStore("counts")));
        try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), props(0))) {
            TestInputTopic<String, String> in = input(driver, "in");
            in.pipeInput("a", "1");
            in.pipeInput("b", "1");
            in.pipeInput("a", "2");
            org.apache.kafka.streams.processor.StateStore metered = driver.getAllStateStores().get("counts");
            org.apache.kafka.streams.query.QueryConfig config = new org.apache.kafka.streams.query.QueryConfig(false);
            org.apache.kafka.streams.query.PositionBound any = org.apache.kafka.streams.query.PositionBound.unbounded();

            org.apache.kafka.streams.query.QueryResult<ValueAndTimestamp<Long>> ts = metered.query(
                    org.apache.kafka.streams.query.TimestampedKeyQuery.<String, Long>withKey("a"), any, config);
            assertTrue(ts.isSuccess(), String.valueOf(ts));
            assertEquals(2L, ts.getResult().value());

            org.apache.kafka.streams.query.QueryResult<Long> plain = metered.query(
                    org.apache.kafka.streams.query.KeyQuery.<String, Long>withKey("b"), any, config);
            assertEquals(1L, plain.getResult());

            org.apache.kafka.streams.query.QueryResult<org.apache.kafka.streams.state.KeyValueIterator<String, ValueAndTimestamp<Long>>> range =
                    metered.query(org.apache.kafka.streams.query.TimestampedRangeQuery.<String, Long>withNoBounds(), any, config);
            List<String> rows = new ArrayList<>();
            try (var it = range.getResult()) {
                it.forEachRemaining(kv -> rows.add(kv.key + "=" + kv.value.value()));
            }
            assertEquals(List.of("a=2", "b=1"), rows);
        }
    }

    /** The store under Kafka's metered, caching and logging layers (and any format adapter). */
    private static org.apache.kafka.streams.processor.StateStore innermost(org.apache.kafka.streams.processor.StateStore s) {
        while (s instanceof org.apache.kafka.streams.state.internals.WrappedStateStore<?, ?, ?> w) {
            s = w.wrapped();
        }
        return s;
    }

    private interface Feed {
        void feed(TopologyTestDriver driver, Random rnd);
    }

    /** Runs the topology on Braid stores, then on in-memory ones, with the same input; compares. */
    private void assertSameOutput(Function<Function<String, KeyValueBytesStoreSupplier>, Topology> topology,
                                  long cacheBytes, Feed feed, String storeToCompare) {
        List<KeyValue<String, String>> braidOut;
        List<KeyValue<String, String>> memOut;
        List<String> braidStore;
        List<String> memStore;
        try (TopologyTestDriver d = new TopologyTestDriver(topology.apply(BraidStores::persistentTimestampedKeyValueStore),
                props(cacheBytes))) {
            feed.feed(d, new Random(7));
            braidOut = d.createOutputTopic("out", new StringDeserializer(), new StringDeserializer()).readKeyValuesToList();
            braidStore = contents(d, storeToCompare);
            assertTrue(d.getTimestampedKeyValueStore(storeToCompare).persistent());
        }
        try (TopologyTestDriver d = new TopologyTestDriver(topology.apply(Stores::inMemoryKeyValueStore), props(cacheBytes))) {
            feed.feed(d, new Random(7));
            memOut = d.createOutputTopic("out", new StringDeserializer(), new StringDeserializer()).readKeyValuesToList();
            memStore = contents(d, storeToCompare);
        }
        assertFalse(memOut.isEmpty());
        assertEquals(memOut, braidOut);
        assertEquals(memStore, braidStore);
    }

    private static List<String> contents(TopologyTestDriver d, String store) {
        List<String> out = new ArrayList<>();
        KeyValueStore<Object, ValueAndTimestamp<Object>> s = d.getTimestampedKeyValueStore(store);
        try (var it = s.all()) {
            it.forEachRemaining(kv -> out.add(kv.key + "=" + kv.value));
        }
        return out;
    }

    private Properties props(long cacheBytes) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "braid-topology-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheBytes);
        p.put(BraidConfig.MEMORY_BYTES, 16L << 20);
        return p;
    }

    /** An input topic with record times from a fixed start, so both runs see the same timestamps. */
    private static TestInputTopic<String, String> input(TopologyTestDriver driver, String topic) {
        return driver.createInputTopic(topic, new StringSerializer(), new StringSerializer(),
                java.time.Instant.ofEpochMilli(1_000_000), java.time.Duration.ofMillis(10));
    }

    private static String word(Random rnd) {
        return WORDS.get(rnd.nextInt(WORDS.size()));
    }

}
