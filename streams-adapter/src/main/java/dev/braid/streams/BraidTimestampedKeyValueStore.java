package dev.braid.streams;

import org.apache.kafka.streams.state.TimestampedBytesStore;

/**
 * A {@link BraidKeyValueStore} whose values are Kafka's timestamped format (8-byte timestamp, then
 * the value). The marker tells Kafka's timestamped builder to use the store as it is, and the restore
 * path to convert changelog records into that format. Thread safety as {@link BraidKeyValueStore}.
 */
final class BraidTimestampedKeyValueStore extends BraidKeyValueStore implements TimestampedBytesStore {
    BraidTimestampedKeyValueStore(String name, String metricsScope, BraidStoreOptions overrides) {
        super(name, metricsScope, overrides);
    }
}
