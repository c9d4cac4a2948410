package dev.braid.perf.harness;

import dev.braid.streams.BraidStoreOptions;
import dev.braid.streams.BraidStores;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The suppliers compared: Braid's, Kafka's RocksDB and Kafka's in-memory key-value store, each
 * asked for a store named {@code bench}, with either its default settings or a memory budget. The
 * harness then uses only the {@code KeyValueStore<Bytes, byte[]>} the supplier returns, as Kafka's
 * builders wrap it.
 */
enum StoreKind {
    /** {@link BraidStores#persistentKeyValueStore}; a budget is a private {@code withPrivateMemoryBytes}. */
    BRAID("braid", "Braid"),
    /** {@link Stores#persistentKeyValueStore}; a budget goes through {@link BudgetConfigSetter}. */
    ROCKSDB("rocksdb", "RocksDB"),
    /** {@link Stores#inMemoryKeyValueStore}; it has no budget (it holds everything on the heap). */
    IN_MEMORY("in-memory", "in-memory");

    static final String STORE_NAME = "bench";

    final String option;
    final String title;

    StoreKind(String option, String title) {
        this.option = option;
        this.title = title;
    }

    static StoreKind parse(String s) {
        for (StoreKind k : values()) {
            if (k.option.equals(s.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown store kind '" + s + "' (braid, rocksdb, in-memory)");
    }

    /** Whether the kind can be held to a memory budget. */
    boolean hasBudget() {
        return this != IN_MEMORY;
    }

    /** Whether the kind writes files (disk rows). */
    boolean persistent() {
        return this != IN_MEMORY;
    }

    /** The supplier: default settings when {@code budgetBytes} is 0, else bounded to that many bytes. */
    KeyValueBytesStoreSupplier supplier(long budgetBytes) {
        return switch (this) {
            case BRAID -> budgetBytes == 0 ? BraidStores.persistentKeyValueStore(STORE_NAME)
                    : BraidStores.persistentKeyValueStore(STORE_NAME,
                            BraidStoreOptions.defaults().withPrivateMemoryBytes(budgetBytes));
            case ROCKSDB -> Stores.persistentKeyValueStore(STORE_NAME);
            case IN_MEMORY -> Stores.inMemoryKeyValueStore(STORE_NAME);
        };
    }

    /** Application configs the store reads besides Kafka's defaults ({@code braidConfigs}: Braid's only). */
    Map<String, Object> appConfigs(long budgetBytes, Map<String, String> braidConfigs) {
        if (this == ROCKSDB && budgetBytes != 0) {
            return Map.of(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BudgetConfigSetter.class,
                    BudgetConfigSetter.BUDGET_BYTES, budgetBytes);
        }
        return this == BRAID ? Map.copyOf(braidConfigs) : Map.of();
    }
}
