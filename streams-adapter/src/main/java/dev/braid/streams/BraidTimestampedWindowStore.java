package dev.braid.streams;

import org.apache.kafka.streams.state.TimestampedBytesStore;

/**
 * A {@link BraidWindowStore} whose values are Kafka's timestamped format (8-byte timestamp, then the
 * value); the marker tells Kafka's timestamped window builder to use it as it is. Thread safety as
 * {@link BraidWindowStore}.
 */
final class BraidTimestampedWindowStore extends BraidWindowStore implements TimestampedBytesStore {
    BraidTimestampedWindowStore(String name, String metricsScope, BraidStoreOptions overrides, long retentionPeriodMs,
                                long segmentIntervalMs, long windowSizeMs, boolean retainDuplicates, SegmentLayout layout) {
        super(name, metricsScope, overrides, retentionPeriodMs, segmentIntervalMs, windowSizeMs, retainDuplicates,
                layout);
    }
}
