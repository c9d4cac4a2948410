package dev.braid.perf;

import dev.braid.streams.BraidDslStoreSuppliers;
import dev.braid.streams.BraidStores;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Windowed aggregation on Braid next to Kafka's RocksDB window store, same run, same input, in
 * Kafka's {@link TopologyTestDriver} (one task, no broker: the figures are the stores plus Kafka's
 * processing, without network):
 *
 * <ol>
 *   <li><b>throughput</b>: a tumbling 1-minute windowed count with 10 minutes retention over
 *   {@code records} records of {@code keys} keys, stream time advancing 100 ms a record, so several
 *   segments expire during the run; records per second, whole topology, caching off (the driver
 *   commits the task after every record, so this includes a store commit per record);</li>
 *   <li><b>store-level throughput</b>: the same count done straight on the window store the driver
 *   hands out (a fetch and a put per record, no commits, caching and logging off): the stores
 *   without Kafka's per-record processing and commits;</li>
 *   <li><b>retention drop</b>: a window store filled with {@code dropEntries} entries in its oldest
 *   segment, then one put far enough ahead that the segment expires: the time of that put (Braid:
 *   one {@code deleteRange}; RocksDB: closing and deleting the segment's database).</li>
 * </ol>
 *
 * Timings only, single shot, no warm-up beyond a first pass: a rough side-by-side, not a JMH
 * benchmark. Arguments: {@code [records (1000000)] [keys (10000)] [dropEntries (500000)]}. From
 * {@code perf/}: {@code java -Xmx2g -cp target/classes:$(cat /tmp/perf-cp.txt)
 * dev.braid.perf.WindowedAggregationBench}.
 */
public final class WindowedAggregationBench {
    private static final long MINUTE = 60_000L;

    private WindowedAggregationBench() {
    }

    public static void main(String[] args) throws IOException {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int dropEntries = args.length > 2 ? Integer.parseInt(args[2]) : 500_000;
        run(records, keys, dropEntries, System.out);
    }

    /** Runs both measurements on both stores and prints one line each. */
    static void run(int records, int keys, int dropEntries, PrintStream out) throws IOException {
        Path tmp = Files.createTempDirectory("braid-windowed-bench-");
        try {
            for (boolean braid : new boolean[] {false, true}) {
                String store = braid ? "braid" : "rocksdb";
                double perSecond = throughput(tmp.resolve(store + "-agg"), braid, records, keys);
                out.printf("windowed count, %s: %,d records, %,d keys: %,.0f records/s%n", store, records, keys,
                        perSecond);
            }
            for (boolean braid : new boolean[] {false, true}) {
                String store = braid ? "braid" : "rocksdb";
                double perSecond = storeThroughput(tmp.resolve(store + "-direct"), braid, records, keys);
                out.printf("windowed count on the store, %s: %,d records, %,d keys: %,.0f records/s%n", store,
                        records, keys, perSecond);
            }
            for (boolean braid : new boolean[] {false, true}) {
                String store = braid ? "braid" : "rocksdb";
                double millis = retentionDrop(tmp.resolve(store + "-drop"), braid, dropEntries);
                out.printf("retention drop, %s: segment of %,d entries dropped by one put in %.1f ms%n", store,
                        dropEntries, millis);
            }
        } finally {
            delete(tmp);
        }
    }

    private static double throughput(Path stateDir, boolean braid, int records, int keys) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
                .count(org.apache.kafka.streams.kstream.Materialized
                        .<String, Long, WindowStore<Bytes, byte[]>>with(Serdes.String(), Serdes.Long())
                        .withRetention(Duration.ofMinutes(10)));
        Properties props = props(stateDir, braid);
        SplittableRandom rnd = new SplittableRandom(42);
        try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), props)) {
            TestInputTopic<String, String> in =
                    driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            long t0 = System.nanoTime();
            for (int i = 0; i < records; i++) {
                in.pipeInput("k" + rnd.nextInt(keys), "v", i * 100L);
            }
            return records / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** The windowed count straight on the store: fetch the window's count, put it plus one. */
    private static double storeThroughput(Path stateDir, boolean braid, int records, int keys) {
        Duration retention = Duration.ofMinutes(10);
        WindowBytesStoreSupplier supplier = braid
                ? BraidStores.persistentWindowStore("count", retention, Duration.ofMinutes(1), false)
                : Stores.persistentWindowStore("count", retention, Duration.ofMinutes(1), false);
        try (TopologyTestDriver driver = new TopologyTestDriver(noopTopology(supplier, Serdes.Long()),
                props(stateDir, braid))) {
            WindowStore<String, Long> store = driver.getWindowStore(supplier.name());
            SplittableRandom rnd = new SplittableRandom(42);
            long t0 = System.nanoTime();
            for (int i = 0; i < records; i++) {
                String key = "k" + rnd.nextInt(keys);
                long windowStart = (i * 100L) / MINUTE * MINUTE;
                Long count = store.fetch(key, windowStart);
                store.put(key, count == null ? 1L : count + 1, windowStart);
            }
            return records / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** A topology whose only use is to hold {@code supplier}'s store (caching and logging off). */
    private static <V> Topology noopTopology(WindowBytesStoreSupplier supplier,
                                            org.apache.kafka.common.serialization.Serde<V> values) {
        Topology t = new Topology();
        t.addSource("source", new StringDeserializer(), new StringDeserializer(), "unused");
        t.addProcessor("noop", () -> new Processor<String, String, Void, Void>() {
            @Override
            public void process(Record<String, String> record) {
            }
        }, "source");
        t.addStateStore(Stores.windowStoreBuilder(supplier, Serdes.String(), values)
                .withCachingDisabled().withLoggingDisabled(), "noop");
        return t;
    }

    private static double retentionDrop(Path stateDir, boolean braid, int entries) {
        Duration retention = Duration.ofMinutes(2); // segment interval 1 minute
        WindowBytesStoreSupplier supplier = braid
                ? BraidStores.persistentWindowStore("drop", retention, Duration.ofSeconds(1), false)
                : Stores.persistentWindowStore("drop", retention, Duration.ofSeconds(1), false);
        try (TopologyTestDriver driver = new TopologyTestDriver(noopTopology(supplier, Serdes.String()),
                props(stateDir, braid))) {
            WindowStore<String, String> store = driver.getWindowStore("drop");
            for (int i = 0; i < entries; i++) {
                store.put("k" + i, "v" + i, i % MINUTE); // segment 0
            }
            store.put("k", "v", MINUTE); // segment 1, live
            long t0 = System.nanoTime();
            store.put("k", "v", 3 * MINUTE); // stream time 3 min: segment 0 expires
            double millis = (System.nanoTime() - t0) / 1e6;
            if (store.fetch("k0", 0) != null) {
                throw new IllegalStateException("the expired segment is still readable");
            }
            return millis;
        }
    }

    private static Properties props(Path stateDir, boolean braid) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "windowed-bench");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        if (braid) {
            props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BraidDslStoreSuppliers.class);
        }
        return props;
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
