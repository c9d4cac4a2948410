package dev.braid.streams;

import org.apache.kafka.streams.DslStoreFormat;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.state.DslKeyValueParams;
import org.apache.kafka.streams.state.DslSessionParams;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.DslWindowParams;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

/**
 * Braid for every store of the DSL without naming a supplier in each {@code Materialized}: set
 * {@code dsl.store.suppliers.class} to this class. Key-value, window and session stores (aggregations,
 * windowed and session aggregations, both stores of a stream-stream join and its outer-join store)
 * come in the format Kafka asks for (plain, timestamped, headers). For emit-on-window-close, where
 * Kafka's RocksDB suppliers give time-ordered stores, Braid's window and session stores take the same
 * time-first key layouts (with a key-first index where Kafka has one, {@link SegmentLayout}), so their
 * time scans stream in Kafka's order, and read at the retention edge as those do. What this cannot
 * reach: Kafka 4.3.1 builds the buffer of a stream-table join with a grace period on RocksDB itself,
 * without asking the suppliers. Stateless; thread safe.
 */
public final class BraidDslStoreSuppliers implements DslStoreSuppliers {
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
        DslStoreFormat format = params.dslStoreFormat() == null ? DslStoreFormat.TIMESTAMPED : params.dslStoreFormat();
        if (params.emitStrategy().type() == EmitStrategy.StrategyType.ON_WINDOW_CLOSE) {
            StoreFormat storeFormat = switch (format) {
                case PLAIN -> StoreFormat.PLAIN;
                case TIMESTAMPED -> StoreFormat.TIMESTAMPED;
                case HEADERS -> StoreFormat.HEADERS;
            };
            // Kafka's supplier keeps a key-first index for sliding windows and for the headers format
            return BraidStores.timeOrderedWindowStore(params.name(), params.retentionPeriod(), params.windowSize(),
                    params.retainDuplicates(), params.isSlidingWindow() || format == DslStoreFormat.HEADERS,
                    storeFormat);
        }
        return switch (format) {
            case PLAIN -> BraidStores.persistentWindowStore(params.name(), params.retentionPeriod(),
                    params.windowSize(), params.retainDuplicates());
            case TIMESTAMPED -> BraidStores.persistentTimestampedWindowStore(params.name(), params.retentionPeriod(),
                    params.windowSize(), params.retainDuplicates());
            case HEADERS -> BraidStores.persistentTimestampedWindowStoreWithHeaders(params.name(),
                    params.retentionPeriod(), params.windowSize(), params.retainDuplicates());
        };
    }

    @Override
    public SessionBytesStoreSupplier sessionStore(DslSessionParams params) {
        if (params.emitStrategy().type() == EmitStrategy.StrategyType.ON_WINDOW_CLOSE) {
            return BraidStores.timeOrderedSessionStore(params.name(), params.retentionPeriod(),
                    params.storeFormat() == DslStoreFormat.HEADERS);
        }
        return params.storeFormat() == DslStoreFormat.HEADERS
                ? BraidStores.persistentSessionStoreWithHeaders(params.name(), params.retentionPeriod())
                : BraidStores.persistentSessionStore(params.name(), params.retentionPeriod());
    }
}
