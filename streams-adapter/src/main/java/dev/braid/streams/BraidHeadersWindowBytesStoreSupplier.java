package dev.braid.streams;

import org.apache.kafka.streams.state.HeadersBytesStoreSupplier;

/**
 * The supplier of header-format window stores; the marker makes {@code Materialized.as(supplier)} use
 * Kafka's headers window builder, as for {@code Stores.persistentTimestampedWindowStoreWithHeaders}.
 * Immutable; thread safe.
 */
final class BraidHeadersWindowBytesStoreSupplier extends BraidWindowBytesStoreSupplier
        implements HeadersBytesStoreSupplier {
    BraidHeadersWindowBytesStoreSupplier(String name, long retentionPeriodMs, long windowSizeMs,
                                         boolean retainDuplicates, SegmentLayout layout, BraidStoreOptions options) {
        super(name, StoreFormat.HEADERS, retentionPeriodMs, windowSizeMs, retainDuplicates, layout, options);
    }
}
