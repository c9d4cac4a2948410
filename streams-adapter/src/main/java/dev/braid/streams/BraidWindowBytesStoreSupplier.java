package dev.braid.streams;

import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Supplies Braid window stores of one name, format and retention; what {@link BraidStores} hands out.
 * The segment interval is Kafka's default, {@code max(retention / 2, 60 s)}. Each {@link #get()} is a
 * new, unopened store (one per task). Immutable; thread safe.
 */
sealed class BraidWindowBytesStoreSupplier implements WindowBytesStoreSupplier
        permits BraidHeadersWindowBytesStoreSupplier {
    private final String name;
    private final StoreFormat format;
    private final long retentionPeriodMs;
    private final long windowSizeMs;
    private final boolean retainDuplicates;
    private final SegmentLayout layout;
    private final BraidStoreOptions options;

    BraidWindowBytesStoreSupplier(String name, StoreFormat format, long retentionPeriodMs, long windowSizeMs,
                                  boolean retainDuplicates, BraidStoreOptions options) {
        this(name, format, retentionPeriodMs, windowSizeMs, retainDuplicates, SegmentLayout.WINDOW, options);
    }

    /**
     * @param layout {@link SegmentLayout#WINDOW}, or a time-ordered layout: the stores stand in for
     *               Kafka's emit-on-window-close (time-ordered) window stores ({@link BraidWindowStore})
     */
    BraidWindowBytesStoreSupplier(String name, StoreFormat format, long retentionPeriodMs, long windowSizeMs,
                                  boolean retainDuplicates, SegmentLayout layout, BraidStoreOptions options) {
        this.name = Objects.requireNonNull(name, "name cannot be null");
        this.format = Objects.requireNonNull(format, "format");
        this.options = Objects.requireNonNull(options, "options cannot be null");
        if (retentionPeriodMs < 0L) {
            throw new IllegalArgumentException("retentionPeriod cannot be negative");
        }
        if (windowSizeMs < 0L) {
            throw new IllegalArgumentException("windowSize cannot be negative");
        }
        if (windowSizeMs > retentionPeriodMs) {
            throw new IllegalArgumentException("The retention period of the window store " + name
                    + " must be no smaller than its window size. Got size=[" + windowSizeMs + "], retention=["
                    + retentionPeriodMs + "]");
        }
        this.retentionPeriodMs = retentionPeriodMs;
        this.windowSizeMs = windowSizeMs;
        this.retainDuplicates = retainDuplicates;
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public WindowStore<Bytes, byte[]> get() {
        return format.newWindowStore(name, BraidKeyValueBytesStoreSupplier.METRICS_SCOPE, options, retentionPeriodMs,
                segmentIntervalMs(), windowSizeMs, retainDuplicates, layout);
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
    public long windowSize() {
        return windowSizeMs;
    }

    @Override
    public boolean retainDuplicates() {
        return retainDuplicates;
    }

    @Override
    public long retentionPeriod() {
        return retentionPeriodMs;
    }

    StoreFormat format() {
        return format;
    }
}
