package dev.braid.perf;

import dev.braid.streams.BraidStores;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Braid, Kafka's RocksDB store and Kafka's in-memory store side by side, each used as Kafka Streams
 * uses the inner store of a supplier ({@code KeyValueStore<Bytes, byte[]>}): a restore of N changelog
 * records in batches of 1,000 through the restore callback the store registers, then N/2 random puts
 * of existing keys (a commit every 10,000), then N/2 random gets. The stores alternate within each
 * round; the medians over the rounds and the Braid/RocksDB ratios are printed. Timings only: nothing
 * is asserted beyond the gets finding their keys.
 *
 * <p>Arguments: {@code [records (1000000)] [rounds (3)] [value bytes (100)]}. Run from {@code perf/}
 * after {@code mvn -q -B install -DskipTests} at the root:
 * <pre>
 * mvn -q -B dependency:build-classpath -Dmdep.outputFile=/tmp/perf-cp.txt
 * java -Xms4g -Xmx4g -cp target/classes:$(cat /tmp/perf-cp.txt) dev.braid.perf.AdapterBench 1000000 3
 * </pre>
 */
public final class AdapterBench {
    private static final int BATCH = 1000;
    private static final int COMMIT_EVERY = 10_000;
    private static final TopicPartition CHANGELOG = new TopicPartition("bench-store-changelog", 0);

    private AdapterBench() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int valueBytes = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        Map<String, Supplier<KeyValueBytesStoreSupplier>> kinds = new LinkedHashMap<>();
        kinds.put("braid", () -> BraidStores.persistentKeyValueStore("bench"));
        kinds.put("rocksdb", () -> Stores.persistentKeyValueStore("bench"));
        kinds.put("in-memory", () -> Stores.inMemoryKeyValueStore("bench"));
        Map<String, Map<String, List<Double>>> seconds = new LinkedHashMap<>();
        System.out.printf("AdapterBench: %,d records of %d-byte values, %d rounds, heap %d MiB%n", n, valueBytes, rounds,
                Runtime.getRuntime().maxMemory() >> 20);
        for (int round = 0; round < rounds; round++) {
            for (Map.Entry<String, Supplier<KeyValueBytesStoreSupplier>> kind : kinds.entrySet()) {
                Map<String, Double> r = runOnce(kind.getValue().get(), n, valueBytes, round);
                System.out.printf("round %d %-9s restore %.2f s, put %.2f s, get %.2f s%n", round, kind.getKey(),
                        r.get("restore"), r.get("put"), r.get("get"));
                r.forEach((phase, s) -> seconds.computeIfAbsent(kind.getKey(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(phase, p -> new ArrayList<>()).add(s));
            }
        }
        System.out.println();
        System.out.printf("%-10s %14s %14s %14s   (median seconds, thousand ops/s)%n", "store", "restore", "put", "get");
        for (String kind : kinds.keySet()) {
            Map<String, List<Double>> m = seconds.get(kind);
            System.out.printf("%-10s %s %s %s%n", kind, cell(m.get("restore"), n), cell(m.get("put"), n / 2),
                    cell(m.get("get"), n / 2));
        }
        System.out.printf("%-10s %14.2f %14.2f %14.2f   (Braid time / RocksDB time; below 1 = Braid faster)%n",
                "braid/rocks", ratio(seconds, "restore"), ratio(seconds, "put"), ratio(seconds, "get"));
    }

    private static Map<String, Double> runOnce(KeyValueBytesStoreSupplier supplier, int n, int valueBytes, int round)
            throws IOException {
        Path dir = Files.createTempDirectory("adapter-bench");
        BenchContext ctx = new BenchContext(dir);
        KeyValueStore<Bytes, byte[]> store = supplier.get();
        Map<String, Double> out = new HashMap<>();
        try {
            store.init(ctx, store);
            SplittableRandom rnd = new SplittableRandom(round);
            byte[] value = new byte[valueBytes];

            RecordBatchingStateRestoreCallback restore = (RecordBatchingStateRestoreCallback) ctx.restoreCallback;
            long t0 = System.nanoTime();
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < n; i++) {
                rnd.nextBytes(value);
                batch.add(new ConsumerRecord<>(CHANGELOG.topic(), 0, i, key(i), value.clone()));
                if (batch.size() == BATCH || i == n - 1) {
                    restore.restoreBatch(batch);
                    batch = new ArrayList<>(BATCH);
                }
            }
            store.commit(Map.of(CHANGELOG, (long) n - 1));
            out.put("restore", seconds(t0));

            long t1 = System.nanoTime();
            for (int i = 0; i < n / 2; i++) {
                rnd.nextBytes(value);
                store.put(Bytes.wrap(key(rnd.nextInt(n))), value.clone());
                if (i % COMMIT_EVERY == COMMIT_EVERY - 1) {
                    store.commit(Map.of(CHANGELOG, (long) n + i));
                }
            }
            store.commit(Map.of(CHANGELOG, (long) n + n / 2));
            out.put("put", seconds(t1));

            long t2 = System.nanoTime();
            for (int i = 0; i < n / 2; i++) {
                if (store.get(Bytes.wrap(key(rnd.nextInt(n)))) == null) {
                    throw new IllegalStateException(supplier.getClass().getSimpleName() + " lost a key");
                }
            }
            out.put("get", seconds(t2));
        } finally {
            store.close();
            deleteTree(dir);
        }
        return out;
    }

    /** 16-byte keys whose order is not the insertion order (as hashed Kafka keys are). */
    private static byte[] key(int i) {
        long h = i * 0x9E3779B97F4A7C15L;
        return ByteBuffer.allocate(16).putLong(h).putLong(i).array();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String cell(List<Double> xs, int ops) {
        double m = median(xs);
        return String.format("%6.2f %6.0fk", m, ops / m / 1000);
    }

    private static double ratio(Map<String, Map<String, List<Double>>> s, String phase) {
        return median(s.get("braid").get(phase)) / median(s.get("rocksdb").get(phase));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    /** The smallest {@link StateStoreContext} that opens all three stores and keeps the restore callback. */
    private static final class BenchContext implements StateStoreContext {
        private final Path stateDir;
        private final StreamsMetricsImpl metrics = new StreamsMetricsImpl(new Metrics(), "bench", Time.SYSTEM);
        private final Map<String, Object> configs = configs();
        private StateRestoreCallback restoreCallback;

        /** Every StreamsConfig default (RocksDBStore reads several), plus Braid's memory budget. */
        private static Map<String, Object> configs() {
            Map<String, Object> c = new HashMap<>(new StreamsConfig(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "bench",
                    StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092")).values());
            c.put("braid.memory.bytes", 256L << 20);
            return c;
        }

        BenchContext(Path stateDir) {
            this.stateDir = stateDir;
        }

        @Override
        public String applicationId() {
            return "bench";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(0, 0);
        }

        @Override
        public Optional<RecordMetadata> recordMetadata() {
            return Optional.empty();
        }

        @Override
        public Serde<?> keySerde() {
            return null;
        }

        @Override
        public Serde<?> valueSerde() {
            return null;
        }

        @Override
        public File stateDir() {
            return stateDir.toFile();
        }

        @Override
        public StreamsMetrics metrics() {
            return metrics;
        }

        @Override
        public void register(StateStore store, StateRestoreCallback callback) {
            restoreCallback = callback;
        }

        @Override
        public void register(StateStore store, StateRestoreCallback callback, CommitCallback onCommit) {
            restoreCallback = callback;
        }

        @Override
        public Map<String, Object> appConfigs() {
            return configs;
        }

        @Override
        public Map<String, Object> appConfigsWithPrefix(String prefix) {
            Map<String, Object> out = new HashMap<>();
            configs.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    out.put(k.substring(prefix.length()), v);
                }
            });
            return out;
        }
    }
}
