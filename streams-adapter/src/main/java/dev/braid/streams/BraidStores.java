package dev.braid.streams;

import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;

/**
 * Braid key-value store suppliers for Kafka Streams, mirroring Kafka's {@code Stores}:
 *
 * <pre>{@code
 * builder.stream("words").groupByKey()
 *        .count(Materialized.as(BraidStores.persistentKeyValueStore("counts")));
 * Stores.keyValueStoreBuilder(BraidStores.persistentKeyValueStore("seen"), keySerde, valueSerde);
 * }</pre>
 *
 * Each store lives in {@code <task state dir>/braid/<name>}, takes its settings from the
 * application's {@code braid.*} properties (README, "Configuration") unless a
 * {@link BraidStoreOptions} overrides them, and reports metrics under scope {@code braid}. Stateless.
 */
public final class BraidStores {
    private BraidStores() {
    }

    /** Plain values; for {@code Stores.keyValueStoreBuilder} (the DSL adapts it to timestamps). */
    public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name) {
        return persistentKeyValueStore(name, BraidStoreOptions.defaults());
    }

    public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name, BraidStoreOptions options) {
        return new BraidKeyValueBytesStoreSupplier(name, StoreFormat.PLAIN, options);
    }

    /** Timestamped values, as the DSL's tables and aggregations keep them. */
    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStore(String name) {
        return persistentTimestampedKeyValueStore(name, BraidStoreOptions.defaults());
    }

    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStore(String name,
                                                                                BraidStoreOptions options) {
        return new BraidKeyValueBytesStoreSupplier(name, StoreFormat.TIMESTAMPED, options);
    }

    /** Timestamp-and-headers values (Kafka 4.3), for {@code Stores.timestampedKeyValueStoreWithHeadersBuilder}. */
    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStoreWithHeaders(String name) {
        return persistentTimestampedKeyValueStoreWithHeaders(name, BraidStoreOptions.defaults());
    }

    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStoreWithHeaders(String name,
                                                                                           BraidStoreOptions options) {
        return new BraidHeadersBytesStoreSupplier(name, options);
    }
}
