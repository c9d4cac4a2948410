package dev.braid.perf.harness;

import java.io.File;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;

/**
 * The smallest {@link StateStoreContext} that opens Kafka's stores and Braid's: every
 * {@link StreamsConfig} default plus the run's own settings as the application configs, Kafka's
 * metrics implementation (so stores register their gauges, which {@link #gauge} reads back), and
 * the restore and commit callbacks a store registers, which the workloads call as Kafka's
 * {@code ProcessorStateManager} does. One store per context; one thread.
 */
final class BenchContext implements StateStoreContext {
    /** Every StreamsConfig default (RocksDBStore reads several); built once, as it logs every value. */
    private static final Map<String, Object> DEFAULTS = Map.copyOf(new StreamsConfig(Map.of(
            StreamsConfig.APPLICATION_ID_CONFIG, "bench", StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
            "processing.exception.handler.global.enabled", true)) // only silences a warning about global threads
            .values().entrySet().stream().filter(e -> e.getValue() != null)
            .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));

    private final Path stateDir;
    private final Metrics registry = new Metrics();
    private final StreamsMetricsImpl metrics = new StreamsMetricsImpl(registry, "bench", Time.SYSTEM);
    private final Map<String, Object> configs;
    private StateRestoreCallback restoreCallback;
    private CommitCallback commitCallback;

    BenchContext(Path stateDir, Map<String, Object> extraConfigs) {
        this.stateDir = stateDir;
        this.configs = new HashMap<>(DEFAULTS);
        this.configs.putAll(extraConfigs);
    }

    /** The callback the store registered in {@code init}. */
    StateRestoreCallback restoreCallback() {
        if (restoreCallback == null) {
            throw new IllegalStateException("the store registered no restore callback");
        }
        return restoreCallback;
    }

    /** Kafka's order at a commit: {@code store.commit(offsets)}, then the store's commit callback. */
    void afterStoreCommit() {
        if (commitCallback != null) {
            try {
                commitCallback.onCommit();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /**
     * The value of the store gauge {@code name} in {@code stream-state-metrics} (summed over the
     * store's tags), or NaN when the store registered none of that name.
     */
    double gauge(String name) {
        double sum = 0;
        boolean found = false;
        for (Map.Entry<MetricName, KafkaMetric> e : registry.metrics().entrySet()) {
            MetricName n = e.getKey();
            if (n.group().equals("stream-state-metrics") && n.name().equals(name)) {
                Object v = e.getValue().metricValue();
                if (v instanceof Number num) {
                    sum += num instanceof BigInteger b ? b.doubleValue() : num.doubleValue();
                    found = true;
                }
            }
        }
        return found ? sum : Double.NaN;
    }

    /** Releases the metrics registry. */
    void close() {
        registry.close();
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
        commitCallback = onCommit;
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
