package dev.braid.streams;

import java.io.File;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;

/**
 * A {@link StateStoreContext} for tests: a state directory, app configs, Kafka's metrics
 * implementation, settable record metadata, and the restore callback a store registers.
 */
final class TestStoreContext implements StateStoreContext {
    static final TaskId TASK = new TaskId(0, 0);

    private final Path stateDir;
    private final Map<String, Object> appConfigs = new HashMap<>();
    private final Metrics metrics = new Metrics();
    private final StreamsMetricsImpl streamsMetrics = new StreamsMetricsImpl(metrics, "test-client", Time.SYSTEM);
    private RecordMetadata recordMetadata;
    private TaskId taskId = TASK;
    private StateRestoreCallback restoreCallback;

    TestStoreContext(Path stateDir) {
        this.stateDir = stateDir;
        appConfigs.put("application.id", "test-app");
    }

    TestStoreContext config(String key, Object value) {
        appConfigs.put(key, value);
        return this;
    }

    /** Makes the store belong to task {@code id} (Kafka's global stores have -1_-1). */
    TestStoreContext taskId(TaskId id) {
        this.taskId = id;
        return this;
    }

    /** Sets the metadata of the record "being processed" (null for none). */
    void setRecord(String topic, int partition, long offset) {
        recordMetadata = new RecordMetadata() {
            @Override
            public String topic() {
                return topic;
            }

            @Override
            public int partition() {
                return partition;
            }

            @Override
            public long offset() {
                return offset;
            }
        };
    }

    StateRestoreCallback restoreCallback() {
        return restoreCallback;
    }

    Metrics kafkaMetrics() {
        return metrics;
    }

    @Override
    public String applicationId() {
        return "test-app";
    }

    @Override
    public TaskId taskId() {
        return taskId;
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
        return Optional.ofNullable(recordMetadata);
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
        return streamsMetrics;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback) {
        this.restoreCallback = callback;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback, CommitCallback commitCallback) {
        this.restoreCallback = callback;
    }

    @Override
    public Map<String, Object> appConfigs() {
        return appConfigs;
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
        Map<String, Object> out = new HashMap<>();
        appConfigs.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
