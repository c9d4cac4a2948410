package dev.braid.streams;

import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Supplies Braid key-value stores of one name and format; what {@link BraidStores} hands out. Each
 * {@link #get()} is a new, unopened store (one per task). Immutable; thread safe.
 */
sealed class BraidKeyValueBytesStoreSupplier implements KeyValueBytesStoreSupplier
        permits BraidHeadersBytesStoreSupplier {
    /** The {@code <scope>-state-id} tag of the stores' metrics. */
    static final String METRICS_SCOPE = "braid";

    private final String name;
    private final StoreFormat format;
    private final BraidStoreOptions options;

    BraidKeyValueBytesStoreSupplier(String name, StoreFormat format, BraidStoreOptions options) {
        this.name = Objects.requireNonNull(name, "name cannot be null");
        this.format = Objects.requireNonNull(format, "format");
        this.options = Objects.requireNonNull(options, "options cannot be null");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> get() {
        return format.newStore(name, METRICS_SCOPE, options);
    }

    @Override
    public String metricsScope() {
        return METRICS_SCOPE;
    }

    StoreFormat format() {
        return format;
    }
}
