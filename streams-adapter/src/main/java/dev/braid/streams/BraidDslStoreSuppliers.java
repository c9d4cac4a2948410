package dev.braid.streams;

import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.DslKeyValueParams;
import org.apache.kafka.streams.state.DslSessionParams;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.DslWindowParams;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

/**
 * Braid for every key-value store of the DSL without naming a supplier in each {@code Materialized}:
 * set {@code dsl.store.suppliers.class} to this class. The format Kafka asks for (plain, timestamped,
 * headers) picks the Braid supplier. Window and session stores stay on Kafka's RocksDB suppliers
 * until Braid has segmented stores. Stateless; thread safe.
 */
public final class BraidDslStoreSuppliers implements DslStoreSuppliers {
    private final DslStoreSuppliers windowedStores = new BuiltInDslStoreSuppliers.RocksDBDslStoreSuppliers();

    @Override
    public KeyValueBytesStoreSupplier keyValueStore(DslKeyValueParams params) {
        return switch (params.dslStoreFormat()) {
            case PLAIN -> BraidStores.persistentKeyValueStore(params.name());
            case TIMESTAMPED -> BraidStores.persistentTimestampedKeyValueStore(params.name());
            case HEADERS -> BraidStores.persistentTimestampedKeyValueStoreWithHeaders(params.name());
        };
    }

    @Override
    public WindowBytesStoreSupplier windowStore(DslWindowParams params) {
        return windowedStores.windowStore(params);
    }

    @Override
    public SessionBytesStoreSupplier sessionStore(DslSessionParams params) {
        return windowedStores.sessionStore(params);
    }
}
