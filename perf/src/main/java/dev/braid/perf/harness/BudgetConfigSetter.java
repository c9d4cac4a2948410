package dev.braid.perf.harness;

import java.util.Map;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;
import org.apache.kafka.streams.state.RocksDBConfigSetter;

/**
 * Bounds a Kafka RocksDB store to {@value #BUDGET_BYTES} bytes of native memory, the way Kafka's
 * documentation ("Memory management", {@code BoundedMemoryRocksDBConfig}) does it: one LRU block
 * cache of the budget that also holds index and filter blocks (high priority, top level pinned), and
 * a write buffer manager that charges the memtables to that cache, up to half of the budget (Braid's
 * write buffer is likewise capped at half its budget). Memtables of at most 16 MiB (Kafka's size) or
 * a quarter of the budget, 3 of them. Each store gets its own cache here, as each Braid store in the
 * budget phases gets a private budget. Kafka makes one instance per store.
 */
public final class BudgetConfigSetter implements RocksDBConfigSetter {
    /** Application config (bytes) read by {@link #setConfig}. */
    static final String BUDGET_BYTES = "bench.rocksdb.memory.bytes";
    private static final double INDEX_FILTER_RATIO = 0.1;

    private Cache cache;
    private WriteBufferManager writeBufferManager;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long budget = ((Number) configs.get(BUDGET_BYTES)).longValue();
        cache = new LRUCache(budget, -1, false, INDEX_FILTER_RATIO);
        writeBufferManager = new WriteBufferManager(budget / 2, cache);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(writeBufferManager);
        options.setWriteBufferSize(Math.min(16L << 20, budget / 4));
        options.setMaxWriteBufferNumber(3);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        writeBufferManager.close();
        cache.close();
    }
}
