package dev.braid.streams;

import dev.braid.store.Durability;
import dev.braid.store.WriteMode;
import java.util.Objects;

/**
 * Per-store settings that override the application-wide {@code braid.*} properties (see
 * {@link BraidConfig}). Every setting left unset falls back to the property, then to its default.
 * Immutable: each {@code with...} method returns a new instance; thread safe.
 */
public final class BraidStoreOptions {
    private static final BraidStoreOptions NONE = new BraidStoreOptions(null, null, null, null, null);

    private final Integer pageSizeBytes;
    private final Durability durability;
    private final Long writeBufferBytes;
    private final Long privateMemoryBytes;
    private final WriteMode writeMode;

    private BraidStoreOptions(Integer pageSizeBytes, Durability durability, Long writeBufferBytes,
                              Long privateMemoryBytes, WriteMode writeMode) {
        this.writeMode = writeMode;
        this.pageSizeBytes = pageSizeBytes;
        this.durability = durability;
        this.writeBufferBytes = writeBufferBytes;
        this.privateMemoryBytes = privateMemoryBytes;
    }

    /** No overrides: everything comes from the application's {@code braid.*} properties. */
    public static BraidStoreOptions defaults() {
        return NONE;
    }

    /** Page size of a new store (an existing store keeps its own). */
    public BraidStoreOptions withPageSizeBytes(int bytes) {
        return new BraidStoreOptions(bytes, durability, writeBufferBytes, privateMemoryBytes, writeMode);
    }

    public BraidStoreOptions withDurability(Durability d) {
        return new BraidStoreOptions(pageSizeBytes, Objects.requireNonNull(d, "durability"), writeBufferBytes,
                privateMemoryBytes, writeMode);
    }

    /** Budget of the blind-write buffer used by restores. */
    public BraidStoreOptions withWriteBufferBytes(long bytes) {
        return new BraidStoreOptions(pageSizeBytes, durability, bytes, privateMemoryBytes, writeMode);
    }

    /**
     * Gives this store a memory budget of its own instead of a share of the JVM-wide one; for a
     * store whose working set must not compete with the others.
     */
    public BraidStoreOptions withPrivateMemoryBytes(long bytes) {
        return new BraidStoreOptions(pageSizeBytes, durability, writeBufferBytes, bytes, writeMode);
    }

    /**
     * Where this store's processing writes go (see {@link WriteMode}): {@code MERGE_TREE} for a store
     * whose updates scatter over far more pages than change between commits.
     */
    public BraidStoreOptions withWriteMode(WriteMode mode) {
        return new BraidStoreOptions(pageSizeBytes, durability, writeBufferBytes, privateMemoryBytes,
                Objects.requireNonNull(mode, "writeMode"));
    }

    WriteMode writeMode() {
        return writeMode;
    }

    Integer pageSizeBytes() {
        return pageSizeBytes;
    }

    Durability durability() {
        return durability;
    }

    Long writeBufferBytes() {
        return writeBufferBytes;
    }

    Long privateMemoryBytes() {
        return privateMemoryBytes;
    }

    @Override
    public String toString() {
        return "BraidStoreOptions[pageSizeBytes=" + pageSizeBytes + ", durability=" + durability
                + ", writeBufferBytes=" + writeBufferBytes + ", privateMemoryBytes=" + privateMemoryBytes
                + ", writeMode=" + writeMode + "]";
    }
}
