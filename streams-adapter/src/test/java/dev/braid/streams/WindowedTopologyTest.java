package dev.braid.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DSL topologies with windowed, session and join stores, run in {@link TopologyTestDriver} twice:
 * with {@code dsl.store.suppliers.class} set to {@link BraidDslStoreSuppliers}, and on Kafka's
 * built-in (RocksDB) stores. Outputs must agree record for record (key, value, timestamp), the
 * {@code dropped-records} totals too, and the Braid run must leave no RocksDB file in its state
 * directory (the built-in run must, which shows the check can fail). Some run with
 * {@code dsl.store.format=HEADERS} too (Kafka 4.3's header-keeping stores). Inputs are seeded random, with
 * out-of-order and late records, and long enough for several time segments to expire.
 */
class WindowedTopologyTest {
    private static final List<String> KEYS = List.of("apple", "pear", "fig", "plum", "kiwi");

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"0,DEFAULT", "10485760,DEFAULT", "0,HEADERS", "10485760,HEADERS"})
    void tumblingCount(long cacheBytes, String dslStoreFormat) {
        compare(() -> windowedCount(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(5))),
                cacheBytes, dslStoreFormat, WindowedTopologyTest::oneStream);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 10L << 20})
    void hoppingCount(long cacheBytes) {
        compare(() -> windowedCount(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(5))
                .advanceBy(Duration.ofSeconds(3))), cacheBytes, WindowedTopologyTest::oneStream);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 10L << 20})
    void slidingCount(long cacheBytes) {
        compare(() -> {
            StreamsBuilder b = new StreamsBuilder();
            b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(5), Duration.ofSeconds(4)))
                    .count().toStream().map(WindowedTopologyTest::show)
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        }, cacheBytes, WindowedTopologyTest::oneStream);
    }

    @ParameterizedTest
    @CsvSource({"0,DEFAULT", "10485760,DEFAULT", "0,HEADERS"})
    void tumblingCountWithEmitFinal(long cacheBytes, String dslStoreFormat) {
        compare(() -> {
            StreamsBuilder b = new StreamsBuilder();
            b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                    .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(5))
                            .advanceBy(Duration.ofSeconds(5)))
                    .emitStrategy(org.apache.kafka.streams.kstream.EmitStrategy.onWindowClose())
                    .count().toStream().map(WindowedTopologyTest::show)
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        }, cacheBytes, dslStoreFormat, WindowedTopologyTest::oneStream);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 10L << 20})
    void slidingCountWithEmitFinal(long cacheBytes) {
        compare(() -> {
            StreamsBuilder b = new StreamsBuilder();
            b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(5), Duration.ofSeconds(4)))
                    .emitStrategy(org.apache.kafka.streams.kstream.EmitStrategy.onWindowClose())
                    .count().toStream().map(WindowedTopologyTest::show)
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        }, cacheBytes, WindowedTopologyTest::oneStream);
    }

    @ParameterizedTest
    @CsvSource({"0,DEFAULT", "10485760,DEFAULT", "0,HEADERS", "10485760,HEADERS"})
    void sessionCount(long cacheBytes, String dslStoreFormat) {
        compare(() -> {
            StreamsBuilder b = new StreamsBuilder();
            b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                    .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofSeconds(3), Duration.ofSeconds(5)))
                    .count().toStream().map(WindowedTopologyTest::show)
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        }, cacheBytes, dslStoreFormat, WindowedTopologyTest::oneStream);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 10L << 20})
    void sessionReduceWithEmitFinal(long cacheBytes) {
        compare(() -> {
            StreamsBuilder b = new StreamsBuilder();
            b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                    .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofSeconds(3), Duration.ofSeconds(5)))
                    .emitStrategy(org.apache.kafka.streams.kstream.EmitStrategy.onWindowClose())
                    .reduce((a, v) -> a + "+" + v).toStream().map(WindowedTopologyTest::show)
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        }, cacheBytes, WindowedTopologyTest::oneStream);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 10L << 20})
    void suppressedWindowedCount(long cacheBytes) {
        compare(() -> {
            StreamsBuilder b = new StreamsBuilder();
            b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                    .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(2)))
                    .count().suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
                    .toStream().map(WindowedTopologyTest::show)
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        }, cacheBytes, WindowedTopologyTest::oneStream);
    }

    @ParameterizedTest
    @CsvSource({"inner,DEFAULT", "left,DEFAULT", "outer,DEFAULT", "outer,HEADERS"})
    void streamStreamJoin(String kind, String dslStoreFormat) {
        compare(() -> {
            StreamsBuilder b = new StreamsBuilder();
            KStream<String, String> left = b.stream("left", Consumed.with(Serdes.String(), Serdes.String()));
            KStream<String, String> right = b.stream("right", Consumed.with(Serdes.String(), Serdes.String()));
            JoinWindows windows = JoinWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(5), Duration.ofSeconds(3));
            StreamJoined<String, String, String> joined = StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String());
            KStream<String, String> out = switch (kind) {
                case "inner" -> left.join(right, (l, r) -> l + "/" + r, windows, joined);
                case "left" -> left.leftJoin(right, (l, r) -> l + "/" + r, windows, joined);
                default -> left.outerJoin(right, (l, r) -> l + "/" + r, windows, joined);
            };
            out.to("out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        }, 0, dslStoreFormat, (driver, rnd) -> {
            TestInputTopic<String, String> left = input(driver, "left");
            TestInputTopic<String, String> right = input(driver, "right");
            long time = 0;
            for (int i = 0; i < 1500; i++) {
                time += rnd.nextInt(400);
                long ts = Math.max(0, time - (rnd.nextInt(8) == 0 ? rnd.nextInt(12_000) : 0));
                (rnd.nextBoolean() ? left : right).pipeInput(key(rnd), "v" + i, ts);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void streamJoinsVersionedTable(boolean leftJoin) {
        compareOn(onBraid -> {
            StreamsBuilder b = new StreamsBuilder();
            Duration history = Duration.ofSeconds(20);
            var table = b.table("table", Consumed.with(Serdes.String(), Serdes.String()),
                    org.apache.kafka.streams.kstream.Materialized.<String, String>as(onBraid
                                    ? BraidStores.persistentVersionedKeyValueStore("versions", history)
                                    : org.apache.kafka.streams.state.Stores.persistentVersionedKeyValueStore("versions", history))
                            .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()));
            KStream<String, String> stream = b.stream("stream", Consumed.with(Serdes.String(), Serdes.String()));
            (leftJoin ? stream.leftJoin(table, (s, t) -> s + "/" + t) : stream.join(table, (s, t) -> s + "/" + t))
                    .to("out", Produced.with(Serdes.String(), Serdes.String()));
            table.toStream().to("table-out", Produced.with(Serdes.String(), Serdes.String()));
            return b.build();
        }, 0, (driver, rnd) -> {
            TestInputTopic<String, String> table = input(driver, "table");
            TestInputTopic<String, String> stream = input(driver, "stream");
            long time = 0;
            for (int i = 0; i < 2000; i++) {
                time += rnd.nextInt(300);
                long ts = Math.max(0, time - (rnd.nextInt(4) == 0 ? rnd.nextInt(30_000) : 0));
                if (rnd.nextInt(3) == 0) {
                    table.pipeInput(key(rnd), rnd.nextInt(6) == 0 ? null : "t" + i, ts);
                } else {
                    stream.pipeInput(key(rnd), "s" + i, ts);
                }
            }
        });
    }

    private static Topology windowedCount(TimeWindows windows) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                .windowedBy(windows).count().toStream().map(WindowedTopologyTest::show)
                .to("out", Produced.with(Serdes.String(), Serdes.String()));
        return b.build();
    }

    private static KeyValue<String, String> show(Windowed<String> key, Object value) {
        return KeyValue.pair(key.key() + "@" + key.window().start() + ".." + key.window().end(),
                value == null ? null : value.toString());
    }

    /** 2,000 records over about 400 s of stream time (several 60 s segments expire), 1 in 8 late. */
    private static void oneStream(TopologyTestDriver driver, Random rnd) {
        TestInputTopic<String, String> in = input(driver, "in");
        long time = 0;
        for (int i = 0; i < 2000; i++) {
            time += rnd.nextInt(400);
            long ts = Math.max(0, time - (rnd.nextInt(8) == 0 ? rnd.nextInt(15_000) : 0));
            in.pipeInput(key(rnd), "v" + i, ts);
        }
    }

    private void compare(Supplier<Topology> topology, long cacheBytes, BiConsumer<TopologyTestDriver, Random> input) {
        compareOn(onBraid -> topology.get(), cacheBytes, input);
    }

    /** As {@link #compare}, with {@code dsl.store.format} set (DEFAULT or HEADERS). */
    private void compare(Supplier<Topology> topology, long cacheBytes, String dslStoreFormat,
                         BiConsumer<TopologyTestDriver, Random> input) {
        format = dslStoreFormat;
        compareOn(onBraid -> topology.get(), cacheBytes, input);
    }

    private String format = StreamsConfig.DSL_STORE_FORMAT_DEFAULT;

    /** {@code topology} is given whether it runs on Braid (to pick suppliers the DSL does not). */
    private void compareOn(Function<Boolean, Topology> topology, long cacheBytes,
                           BiConsumer<TopologyTestDriver, Random> input) {
        long seed = System.nanoTime();
        System.out.println(getClass().getSimpleName() + " seed " + seed);
        Run braid = run(topology.apply(true), cacheBytes, input, seed, true);
        Run builtIn = run(topology.apply(false), cacheBytes, input, seed, false);
        assertFalse(builtIn.output.isEmpty(), "the topology produced nothing (seed " + seed + ")");
        assertEquals(builtIn.output.size(), braid.output.size(), "output records, seed " + seed);
        for (int i = 0; i < braid.output.size(); i++) {
            assertEquals(builtIn.output.get(i), braid.output.get(i), "output record " + i + ", seed " + seed);
        }
        assertEquals(builtIn.dropped, braid.dropped, "dropped-records-total, seed " + seed);
        assertTrue(braid.rocksDbFiles.isEmpty(), "RocksDB files with Braid: " + braid.rocksDbFiles);
        assertFalse(builtIn.rocksDbFiles.isEmpty(), "the built-in run made no RocksDB files: the check proves nothing");
        assertTrue(braid.braidDirs > 0, "no Braid store directory was created");
    }

    private record Run(List<String> output, double dropped, List<Path> rocksDbFiles, long braidDirs) {
    }

    private Run run(Topology topology, long cacheBytes, BiConsumer<TopologyTestDriver, Random> input, long seed,
                    boolean onBraid) {
        Path stateDir = dir.resolve(onBraid ? "braid" : "builtin");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "windowed-" + (onBraid ? "braid" : "builtin"));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheBytes);
        props.put(StreamsConfig.DSL_STORE_FORMAT_CONFIG, format);
        // emit-on-window-close is throttled by wall-clock time, which the driver does not advance
        props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION, 0L);
        if (onBraid) {
            props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BraidDslStoreSuppliers.class);
        }
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            input.accept(driver, new Random(seed));
            TestOutputTopic<String, String> out =
                    driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            List<String> records = out.readRecordsToList().stream().map(WindowedTopologyTest::show)
                    .collect(Collectors.toList());
            double dropped = driver.metrics().entrySet().stream()
                    .filter(e -> e.getKey().name().equals("dropped-records-total"))
                    .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
            return new Run(records, dropped, rocksDbFiles(stateDir), braidDirs(stateDir));
        }
    }

    private static String show(TestRecord<String, String> r) {
        return r.key() + "=" + r.value() + "@" + r.timestamp();
    }

    /** Files and directories that only RocksDB makes. */
    static List<Path> rocksDbFiles(Path stateDir) {
        try (Stream<Path> files = Files.walk(stateDir)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals("rocksdb") || n.endsWith(".sst") || n.startsWith("MANIFEST-") || n.startsWith("OPTIONS-")
                        || n.equals("CURRENT") || n.equals("IDENTITY");
            }).collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long braidDirs(Path stateDir) {
        try (Stream<Path> files = Files.walk(stateDir)) {
            return files.filter(p -> p.getFileName().toString().equals("braid")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TestInputTopic<String, String> input(TopologyTestDriver driver, String topic) {
        return driver.createInputTopic(topic, new StringSerializer(), new StringSerializer());
    }

    private static String key(Random rnd) {
        return KEYS.get(rnd.nextInt(KEYS.size()));
    }

}
