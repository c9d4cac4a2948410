package dev.braid.store;

import dev.braid.store.internal.io.FileSystem;
import java.util.Objects;

/**
 * How a store is opened. Immutable; build with {@link #builder()}. Defaults need no tuning: 4 KiB
 * pages, a private 64 MiB cache, {@link Durability#NORMAL}, background checkpoints when the log
 * passes 64 MiB.
 */
public final class BraidOptions {
    /** Smallest accepted page size. Pages below 4 KiB are meant for tests that force deep trees. */
    public static final int MIN_PAGE_SIZE = 512;
    public static final int MAX_PAGE_SIZE = 64 * 1024;

    private final int pageSizeBytes;
    private final BraidCache cache;
    private final Durability durability;
    private final long checkpointLogBytes;
    private final long maxLogBytes;
    private final boolean backgroundCheckpoints;
    private final boolean backgroundMerges;
    private final boolean createIfMissing;
    private final long writeBufferBytes;
    private final long restoreBufferBytes;
    private final WriteMode writeMode;
    private final boolean recordCommits;
    private final long directValuesAfterBytes;
    private final FileSystem fileSystem;

    private BraidOptions(Builder b) {
        this.pageSizeBytes = b.pageSizeBytes;
        this.cache = b.cache != null ? b.cache : BraidCache.ofBytes(b.cacheBytes);
        this.durability = b.durability;
        this.checkpointLogBytes = b.checkpointLogBytes;
        this.maxLogBytes = Math.max(b.maxLogBytes, b.checkpointLogBytes);
        this.backgroundCheckpoints = b.backgroundCheckpoints;
        this.backgroundMerges = b.backgroundMerges;
        this.createIfMissing = b.createIfMissing;
        this.writeBufferBytes = b.writeBufferBytes;
        this.restoreBufferBytes = b.restoreBufferBytes;
        this.writeMode = b.writeMode;
        this.recordCommits = b.recordCommits;
        this.directValuesAfterBytes = b.directValuesAfterBytes;
        this.fileSystem = b.fileSystem;
    }

    public static BraidOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Page size of a new store; an existing store keeps the size it was created with. */
    public int pageSizeBytes() {
        return pageSizeBytes;
    }

    public BraidCache cache() {
        return cache;
    }

    public Durability durability() {
        return durability;
    }

    /** Log size past which a checkpoint is started in the background. */
    public long checkpointLogBytes() {
        return checkpointLogBytes;
    }

    /**
     * Log size past which a commit runs the checkpoint itself, so the log stays bounded (it may pass
     * this by at most one commit). Never below {@link #checkpointLogBytes()}: a smaller setting is
     * raised to it.
     */
    public long maxLogBytes() {
        return maxLogBytes;
    }

    /** Whether merges run on a background thread (else inline at each commit: deterministic, for tests). */
    public boolean backgroundMerges() {
        return backgroundMerges;
    }

    /** Whether checkpoints run on a background thread (tests turn this off for determinism). */
    public boolean backgroundCheckpoints() {
        return backgroundCheckpoints;
    }

    public boolean createIfMissing() {
        return createIfMissing;
    }

    /** Bytes of blind writes buffered in memory before they are written into the tree. */
    public long writeBufferBytes() {
        return writeBufferBytes;
    }

    /**
     * How far the write buffer may grow past {@link #writeBufferBytes()} while it holds unlogged
     * blind writes into an empty store (a restore into a new store): -1 (the default) for three
     * quarters of the memory budget, 0 for not at all. It grows only while the writes buffered in the
     * whole budget leave a quarter of it (a new store has nothing to cache yet); a restore that fits
     * is built straight into the B+tree at commit, its data written once.
     */
    public long restoreBufferBytes() {
        return restoreBufferBytes;
    }

    /** Where B+tree writes go: {@link WriteMode#TREE} (the default) or through the merge-tree. */
    public WriteMode writeMode() {
        return writeMode;
    }

    /**
     * Whether a commit whose changes are all small B+tree writes may be a <em>record commit</em>
     * (the default): the writes are logged as records, and the changed pages stay in memory until a
     * later image commit writes them, when the records reach {@code checkpointLogBytes} (or half the
     * changed pages' bytes, at most {@code maxLogBytes}), the log passes {@code maxLogBytes},
     * anything else changes, or the store closes.
     * Frequent commits (exactly-once's 100 ms) then log each write once instead of every page it
     * touched. Recovery replays the records after the last image commit. Off: every commit is an
     * image commit.
     */
    public boolean recordCommits() {
        return recordCommits;
    }

    /**
     * Bytes of value pages a transaction writes through the log before its further value pages go
     * straight into the page file (0: from the first; {@code Long.MAX_VALUE}, the default: never).
     * A value written straight in is written once, not to the log and again by the checkpoint:
     * large transactions of page-sized values (a bulk update) commit much faster (a 300k × 4 KiB
     * harness run: random put 73.5k against 34.6k ops/s). But the pages it frees wait for a
     * checkpoint and are scattered, so the file holds more free pages, and in the same run the
     * 50/50 read/update mixes that followed ran at about half their speed (78.7k against 152k
     * ops/s; with a commit every 100 ms, 33.8k against 64.5k): hence off by default. (Before the
     * twentieth session the default overflowed into "from the first page"; see
     * docs/design/durability.md, D7, for the figures since.)
     */
    public long directValuesAfterBytes() {
        return directValuesAfterBytes;
    }

    /** The file layer; the real one unless a test injects another. */
    public FileSystem fileSystem() {
        return fileSystem;
    }

    /** Builder of {@link BraidOptions}. */
    public static final class Builder {
        private int pageSizeBytes = 4096;
        private long cacheBytes = 64L << 20;
        private BraidCache cache;
        private Durability durability = Durability.NORMAL;
        private long checkpointLogBytes = 64L << 20;
        private long maxLogBytes = 256L << 20;
        private boolean backgroundCheckpoints = true;
        private boolean backgroundMerges = true;
        private boolean createIfMissing = true;
        private long writeBufferBytes = 16L << 20;
        private long restoreBufferBytes = -1;
        private WriteMode writeMode = WriteMode.TREE;
        private boolean recordCommits = true;
        private long directValuesAfterBytes = Long.MAX_VALUE;
        private FileSystem fileSystem = FileSystem.real();

        private Builder() {
        }

        /** A power of two from {@value #MIN_PAGE_SIZE} to {@value #MAX_PAGE_SIZE} bytes. */
        public Builder pageSizeBytes(int bytes) {
            if (bytes < MIN_PAGE_SIZE || bytes > MAX_PAGE_SIZE || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("page size must be a power of two from "
                        + MIN_PAGE_SIZE + " to " + MAX_PAGE_SIZE + ", got " + bytes);
            }
            this.pageSizeBytes = bytes;
            return this;
        }

        /** A private cache of this many bytes (ignored when {@link #cache(BraidCache)} is set). */
        public Builder cacheBytes(long bytes) {
            if (bytes < 64 * 1024) {
                throw new IllegalArgumentException("cache must be at least 64 KiB, got " + bytes);
            }
            this.cacheBytes = bytes;
            return this;
        }

        /** A cache shared with other stores. */
        public Builder cache(BraidCache shared) {
            this.cache = Objects.requireNonNull(shared, "cache");
            return this;
        }

        public Builder durability(Durability d) {
            this.durability = Objects.requireNonNull(d, "durability");
            return this;
        }

        public Builder checkpointLogBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("checkpointLogBytes must be positive");
            }
            this.checkpointLogBytes = bytes;
            return this;
        }

        public Builder maxLogBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxLogBytes must be positive");
            }
            this.maxLogBytes = bytes;
            return this;
        }

        /**
         * Runs merges on a background thread (default) or inline at the end of each commit, on the
         * committing thread: deterministic I/O, for tests.
         */
        public Builder backgroundMerges(boolean on) {
            this.backgroundMerges = on;
            return this;
        }

        public Builder backgroundCheckpoints(boolean on) {
            this.backgroundCheckpoints = on;
            return this;
        }

        /** Budget of the blind-write buffer (at least 1 KiB); it counts against the cache budget. */
        public Builder writeBufferBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("writeBufferBytes must be at least 1 KiB, got " + bytes);
            }
            this.writeBufferBytes = bytes;
            return this;
        }

        /** See {@link BraidOptions#restoreBufferBytes()}: -1 (three quarters of the budget), 0 (off) or at least 1 KiB. */
        public Builder restoreBufferBytes(long bytes) {
            if (bytes != -1 && bytes != 0 && bytes < 1024) {
                throw new IllegalArgumentException("restoreBufferBytes must be -1, 0 or at least 1 KiB, got " + bytes);
            }
            this.restoreBufferBytes = bytes;
            return this;
        }

        /** See {@link WriteMode}. */
        public Builder writeMode(WriteMode mode) {
            this.writeMode = Objects.requireNonNull(mode, "writeMode");
            return this;
        }

        /** See {@link BraidOptions#recordCommits()}. */
        public Builder recordCommits(boolean on) {
            this.recordCommits = on;
            return this;
        }

        /** See {@link BraidOptions#directValuesAfterBytes()}; at least 0. */
        public Builder directValuesAfterBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("directValuesAfterBytes must be at least 0: " + bytes);
            }
            this.directValuesAfterBytes = bytes;
            return this;
        }

        public Builder createIfMissing(boolean create) {
            this.createIfMissing = create;
            return this;
        }

        public Builder fileSystem(FileSystem fs) {
            this.fileSystem = Objects.requireNonNull(fs, "fileSystem");
            return this;
        }

        public BraidOptions build() {
            return new BraidOptions(this);
        }
    }
}
