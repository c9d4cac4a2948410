package dev.braid.streams;

import dev.braid.store.BraidCache;
import dev.braid.store.BraidOptions;
import dev.braid.store.Durability;
import dev.braid.store.WriteMode;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * The {@code braid.*} properties of a Kafka Streams application, read from
 * {@code StateStoreContext.appConfigs()}, turned into the {@link BraidOptions} of one store. Values may
 * be given as strings or numbers. Immutable; thread safe.
 *
 * <table>
 *   <caption>properties</caption>
 *   <tr><th>property</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@value #MEMORY_BYTES}</td><td>a quarter of the max heap, at least 64 MiB</td>
 *       <td>the memory budget (page cache plus write buffers)</td></tr>
 *   <tr><td>{@value #MEMORY_SHARED}</td><td>true</td><td>one budget for all stores of the JVM,
 *       else one budget of that size per store</td></tr>
 *   <tr><td>{@value #PAGE_SIZE_BYTES}</td><td>4096</td><td>page size of new stores</td></tr>
 *   <tr><td>{@value #DURABILITY}</td><td>NORMAL</td><td>NORMAL or FULL, see {@link Durability}</td></tr>
 *   <tr><td>{@value #WRITE_BUFFER_BYTES}</td><td>16 MiB</td><td>blind-write buffer of restores</td></tr>
 *   <tr><td>{@value #RESTORE_BUFFER_BYTES}</td><td>-1: three quarters of the budget</td><td>how far a restore's buffer
 *       may grow into a new store (0: not at all), see {@link BraidOptions#restoreBufferBytes()}</td></tr>
 *   <tr><td>{@value #WRITE_MODE}</td><td>tree</td><td>where processing writes go: {@code tree} (the
 *       B+tree) or {@code merge-tree} (buffered and merged, for updates scattered over a store much
 *       larger than what changes between commits), see {@link WriteMode}</td></tr>
 *   <tr><td>{@value #RECORD_COMMITS}</td><td>true</td><td>commits of small B+tree writes log the writes
 *       as records and leave their pages in memory until an image commit, see
 *       {@link BraidOptions#recordCommits()}</td></tr>
 * </table>
 */
final class BraidConfig {
    static final String PREFIX = "braid.";
    static final String MEMORY_BYTES = "braid.memory.bytes";
    static final String MEMORY_SHARED = "braid.memory.shared";
    static final String PAGE_SIZE_BYTES = "braid.page.size.bytes";
    static final String DURABILITY = "braid.durability";
    static final String WRITE_BUFFER_BYTES = "braid.write.buffer.bytes";
    static final String RESTORE_BUFFER_BYTES = "braid.restore.buffer.bytes";
    static final String WRITE_MODE = "braid.write.mode";
    static final String RECORD_COMMITS = "braid.record.commits";

    private static final long MIN_MEMORY_BYTES = 64L << 20;

    private final long memoryBytes;
    private final boolean memoryShared;
    private final int pageSizeBytes;
    private final Durability durability;
    private final long writeBufferBytes;
    private final long restoreBufferBytes;
    private final WriteMode writeMode;
    private final boolean recordCommits;

    private BraidConfig(long memoryBytes, boolean memoryShared, int pageSizeBytes, Durability durability,
                        long writeBufferBytes, long restoreBufferBytes, WriteMode writeMode, boolean recordCommits) {
        this.writeMode = writeMode;
        this.recordCommits = recordCommits;
        this.memoryBytes = memoryBytes;
        this.memoryShared = memoryShared;
        this.pageSizeBytes = pageSizeBytes;
        this.durability = durability;
        this.writeBufferBytes = writeBufferBytes;
        this.restoreBufferBytes = restoreBufferBytes;
    }

    /**
     * Reads the properties; unknown {@code braid.*} keys are ignored.
     *
     * @throws ConfigException a malformed value
     */
    static BraidConfig from(Map<String, ?> appConfigs) {
        return new BraidConfig(
                longValue(appConfigs, MEMORY_BYTES, defaultMemoryBytes()),
                boolValue(appConfigs, MEMORY_SHARED, true),
                (int) longValue(appConfigs, PAGE_SIZE_BYTES, 4096),
                durabilityValue(appConfigs),
                longValue(appConfigs, WRITE_BUFFER_BYTES, 16L << 20),
                longValue(appConfigs, RESTORE_BUFFER_BYTES, -1),
                writeModeValue(appConfigs),
                boolValue(appConfigs, RECORD_COMMITS, true));
    }

    /**
     * The options of one store: these properties, then the store's own overrides.
     *
     * @throws ConfigException a value out of the engine's range (page size, buffer, budget)
     */
    BraidOptions toOptions(BraidStoreOptions overrides) {
        try {
            BraidOptions.Builder b = BraidOptions.builder()
                    .pageSizeBytes(overrides.pageSizeBytes() != null ? overrides.pageSizeBytes() : pageSizeBytes)
                    .durability(overrides.durability() != null ? overrides.durability() : durability)
                    .writeBufferBytes(overrides.writeBufferBytes() != null ? overrides.writeBufferBytes() : writeBufferBytes)
                    .restoreBufferBytes(restoreBufferBytes)
                    .writeMode(overrides.writeMode() != null ? overrides.writeMode() : writeMode)
                    .recordCommits(recordCommits);
            return b.cache(cache(overrides)).build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("invalid Braid store setting (" + overrides + "): " + e.getMessage());
        }
    }

    private BraidCache cache(BraidStoreOptions overrides) {
        if (overrides.privateMemoryBytes() != null) {
            return BraidCache.ofBytes(overrides.privateMemoryBytes());
        }
        return memoryShared ? SharedCaches.ofBytes(memoryBytes) : BraidCache.ofBytes(memoryBytes);
    }

    long memoryBytes() {
        return memoryBytes;
    }

    private static long defaultMemoryBytes() {
        return Math.max(MIN_MEMORY_BYTES, Runtime.getRuntime().maxMemory() / 4);
    }

    private static long longValue(Map<String, ?> configs, String key, long dflt) {
        Object v = configs.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, v, "must be a whole number of bytes");
        }
    }

    private static boolean boolValue(Map<String, ?> configs, String key, boolean dflt) {
        Object v = configs.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new ConfigException(key, v, "must be true or false");
        }
        return Boolean.parseBoolean(s);
    }

    private static WriteMode writeModeValue(Map<String, ?> configs) {
        Object v = configs.get(WRITE_MODE);
        if (v == null) {
            return WriteMode.TREE;
        }
        if (v instanceof WriteMode m) {
            return m;
        }
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        if (s.equals("tree")) {
            return WriteMode.TREE;
        }
        if (s.equals("merge-tree") || s.equals("merge_tree")) {
            return WriteMode.MERGE_TREE;
        }
        throw new ConfigException(WRITE_MODE, v, "must be tree or merge-tree");
    }

    private static Durability durabilityValue(Map<String, ?> configs) {
        Object v = configs.get(DURABILITY);
        if (v == null) {
            return Durability.NORMAL;
        }
        if (v instanceof Durability d) {
            return d;
        }
        try {
            return Durability.valueOf(v.toString().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(DURABILITY, v, "must be NORMAL or FULL");
        }
    }
}
