package dev.braid.streams;

import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedBytesStoreSupplier;
import org.apache.kafka.streams.state.internals.VersionedKeyValueToBytesStoreAdapter;

/**
 * Supplies Braid versioned stores of one name, history retention and segment interval; each
 * {@link #get()} is a new, unopened {@link BraidVersionedStore} in Kafka's
 * {@code VersionedKeyValueToBytesStoreAdapter}, the form Kafka's versioned builder expects.
 * Immutable; thread safe.
 */
final class BraidVersionedBytesStoreSupplier implements VersionedBytesStoreSupplier {
    private final String name;
    private final long historyRetentionMs;
    private final long segmentIntervalMs;
    private final BraidStoreOptions options;

    BraidVersionedBytesStoreSupplier(String name, long historyRetentionMs, long segmentIntervalMs,
                                     BraidStoreOptions options) {
        this.name = Objects.requireNonNull(name, "name cannot be null");
        this.historyRetentionMs = historyRetentionMs;
        this.segmentIntervalMs = segmentIntervalMs;
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Kafka's default segment interval for a history retention. */
    static long defaultSegmentIntervalMs(long historyRetentionMs) {
        if (historyRetentionMs <= 60_000L) {
            return Math.max(historyRetentionMs / 3, 2_000L);
        } else if (historyRetentionMs <= 300_000L) {
            return Math.max(historyRetentionMs / 5, 20_000L);
        } else if (historyRetentionMs <= 3_600_000L) {
            return Math.max(historyRetentionMs / 12, 60_000L);
        }
        return Math.max(historyRetentionMs / 24, 300_000L);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> get() {
        return new VersionedKeyValueToBytesStoreAdapter(new BraidVersionedStore(name, metricsScope(), options,
                historyRetentionMs, segmentIntervalMs));
    }

    @Override
    public String metricsScope() {
        return BraidKeyValueBytesStoreSupplier.METRICS_SCOPE;
    }

    @Override
    public long historyRetentionMs() {
        return historyRetentionMs;
    }

    long segmentIntervalMs() {
        return segmentIntervalMs;
    }
}
