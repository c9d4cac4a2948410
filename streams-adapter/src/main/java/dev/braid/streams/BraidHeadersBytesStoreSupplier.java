package dev.braid.streams;

import org.apache.kafka.streams.state.HeadersBytesStoreSupplier;

/**
 * The supplier of header-format stores. The marker makes {@code Materialized.as(supplier)} use Kafka's
 * headers builder, as for Kafka's own {@code Stores.persistentTimestampedKeyValueStoreWithHeaders}.
 * Immutable; thread safe.
 */
final class BraidHeadersBytesStoreSupplier extends BraidKeyValueBytesStoreSupplier
        implements HeadersBytesStoreSupplier {
    BraidHeadersBytesStoreSupplier(String name, BraidStoreOptions options) {
        super(name, StoreFormat.HEADERS, options);
    }
}
