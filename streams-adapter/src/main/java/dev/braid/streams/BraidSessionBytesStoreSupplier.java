package dev.braid.streams;

import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionStore;

/**
 * Supplies Braid session stores of one name and retention; the segment interval is Kafka's default,
 * {@code max(retention / 2, 60 s)}. Each {@link #get()} is a new, unopened store. Immutable; thread
 * safe.
 */
sealed class BraidSessionBytesStoreSupplier implements SessionBytesStoreSupplier
        permits BraidHeadersSessionBytesStoreSupplier {
    private final String name;
    private final long retentionPeriodMs;
    private final SegmentLayout layout;
    private final BraidStoreOptions options;

    BraidSessionBytesStoreSupplier(String name, long retentionPeriodMs, BraidStoreOptions options) {
        this(name, retentionPeriodMs, SegmentLayout.SESSION, options);
    }

    /**
     * @param layout {@link SegmentLayout#SESSION}, or {@link SegmentLayout#TIME_ORDERED_SESSION_INDEXED}
     *               for stores that stand in for Kafka's emit-on-window-close (time-ordered) ones
     */
    BraidSessionBytesStoreSupplier(String name, long retentionPeriodMs, SegmentLayout layout,
                                   BraidStoreOptions options) {
        this.name = Objects.requireNonNull(name, "name cannot be null");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.options = Objects.requireNonNull(options, "options cannot be null");
        if (retentionPeriodMs < 0L) {
            throw new IllegalArgumentException("retentionPeriod cannot be negative");
        }
        this.retentionPeriodMs = retentionPeriodMs;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SessionStore<Bytes, byte[]> get() {
        return new BraidSessionStore(name, metricsScope(), options, retentionPeriodMs, segmentIntervalMs(), layout);
    }

    @Override
    public String metricsScope() {
        return BraidKeyValueBytesStoreSupplier.METRICS_SCOPE;
    }

    @Override
    public long segmentIntervalMs() {
        return Math.max(retentionPeriodMs / 2, 60_000L);
    }

    @Override
    public long retentionPeriod() {
        return retentionPeriodMs;
    }

    BraidStoreOptions options() {
        return options;
    }

    SegmentLayout layout() {
        return layout;
    }
}
