package dev.braid.streams;

/**
 * The value format a store declares to Kafka Streams, which picks the builder's adapters and the
 * restore conversion from it. Only the marker interfaces differ: Braid stores bytes either way.
 */
enum StoreFormat {
    /** Plain values. */
    PLAIN,
    /** 8-byte timestamp, then the value ({@code TimestampedBytesStore}). */
    TIMESTAMPED,
    /** Timestamp, headers and value, Kafka 4.3 ({@code HeadersBytesStore}). */
    HEADERS;

    BraidKeyValueStore newStore(String name, String metricsScope, BraidStoreOptions options) {
        return switch (this) {
            case PLAIN -> new BraidKeyValueStore(name, metricsScope, options);
            case TIMESTAMPED -> new BraidTimestampedKeyValueStore(name, metricsScope, options);
            case HEADERS -> new BraidHeadersKeyValueStore(name, metricsScope, options);
        };
    }

    BraidWindowStore newWindowStore(String name, String metricsScope, BraidStoreOptions options, long retentionPeriodMs,
                                    long segmentIntervalMs, long windowSizeMs, boolean retainDuplicates,
                                    SegmentLayout layout) {
        return switch (this) {
            case PLAIN -> new BraidWindowStore(name, metricsScope, options, retentionPeriodMs, segmentIntervalMs,
                    windowSizeMs, retainDuplicates, layout);
            case TIMESTAMPED -> new BraidTimestampedWindowStore(name, metricsScope, options, retentionPeriodMs,
                    segmentIntervalMs, windowSizeMs, retainDuplicates, layout);
            case HEADERS -> new BraidHeadersWindowStore(name, metricsScope, options, retentionPeriodMs,
                    segmentIntervalMs, windowSizeMs, retainDuplicates, layout);
        };
    }
}
