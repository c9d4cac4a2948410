package dev.braid.store.internal.engine;

import dev.braid.store.BraidException;
import dev.braid.store.BraidIOException;
import dev.braid.store.BraidOptions;
import dev.braid.store.BraidStats;
import dev.braid.store.IntegrityFinding;
import dev.braid.store.KeyRange;
import dev.braid.store.StoreClosedException;
import dev.braid.store.StoreFailedException;
import dev.braid.store.StoreLockedException;
import dev.braid.store.WriteBatch;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.ScanBatch;
import dev.braid.store.internal.btree.TreeWarmer;
import dev.braid.store.internal.mergetree.WriteBuffer;
import dev.braid.store.internal.page.Pager;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One open store: wires the files, pager, tree and commit flow, and owns the store's lock and
 * lifecycle. Every public call of {@link dev.braid.store.Braid} lands here.
 *
 * <p>Lifecycle: {@code open -> OPEN -(write or fsync error)-> FAILED -> close -> CLOSED};
 * {@code OPEN -close-> CLOSED}. In FAILED every call throws {@link StoreFailedException} until the
 * store is closed and reopened (E1: an I/O error is never retried in place).
 *
 * <p>Concurrency: a read/write lock. Reads (get, scan batches, count) share it; writes, commits,
 * checks and close take it exclusively, so a reader never sees half of a write or a batch (E2).
 * The background checkpointer works outside it (see {@link Storage}).
 */
public final class Engine implements StoreEngine {
    private final Path dir;
    private final BraidOptions opts;
    private final Closeable dirLock;
    private final Storage storage;
    private final Pager pager;
    private final BTree tree;
    private final Committer committer;
    private final Checkpointer checkpointer;
    private final long spillLimitBytes;
    private final WriteBuffer buffer = new WriteBuffer();
    private final ReadPath readPath;
    private final SegmentSet segs;
    private final MergeJob mergeJob;
    private final RangeDelete rangeDelete;
    private final BufferedWrites writes;
    private final RecordCommits recordCommits;
    private final TreeWarmer warmer; // on the merge job's thread when it is idle
    private static final int WARM_SLICE_LEAVES = 64;
    private final java.util.concurrent.atomic.AtomicLong stallNanos = new java.util.concurrent.atomic.AtomicLong();
    /** Whether the writer wrote anything since the last commit (then the merge job never commits). */
    private boolean userDirty;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final ConcurrentHashMap<Object, Runnable> iterators = new ConcurrentHashMap<>();
    private volatile Map<String, String> committedMeta;
    private volatile BraidException failure;
    private volatile boolean closed;

    private Engine(Path dir, BraidOptions opts, Closeable dirLock, Recovery.Opened o) {
        this.dir = dir;
        this.opts = opts;
        this.dirLock = dirLock;
        this.storage = o.storage();
        this.pager = o.pager();
        this.tree = o.tree();
        this.committedMeta = o.metadata();
        this.committer = new Committer(storage, pager, tree, opts.durability(), o.header(), o.metadataBytes());
        this.checkpointer = new Checkpointer(storage, this::failFromBackground);
        long cap = opts.cache().capacityBytes();
        this.spillLimitBytes = Math.max(cap / 2, 32L * pager.pageSize());
        this.segs = new SegmentSet(pager, storage, tree, lock.writeLock());
        pager.setDirectValuesAfter(opts.directValuesAfterBytes());
        this.readPath = new ReadPath(tree, buffer, segs);
        this.warmer = new TreeWarmer(tree, pager);
        this.mergeJob = new MergeJob(segs, tree, storage, new MergeJob.Host() {
            @Override
            public void underWriteLock(MergeJob.IoStep step) throws IOException {
                lock.writeLock().lock();
                try {
                    ensureUsable();
                    step.run();
                } finally {
                    lock.writeLock().unlock();
                }
            }

            @Override
            public ScanBatch treeBatch(byte[] from, byte[] after) throws IOException {
                lock.readLock().lock();
                try {
                    ensureUsable();
                    return new dev.braid.store.internal.btree.TreeCursor(tree).scan(from, true, null, true, false,
                            after, 4096, 1 << 20);
                } finally {
                    lock.readLock().unlock();
                }
            }

            @Override
            public boolean settle() throws IOException {
                lock.writeLock().lock();
                try {
                    boolean committed = commitLayoutIfIdle();
                    storage.checkpoint();
                    storage.maybeResetLog();
                    return committed;
                } finally {
                    lock.writeLock().unlock();
                }
            }

            @Override
            public void failed(Exception e) {
                if (failure == null) {
                    failure = e instanceof BraidException be ? be
                            : new BraidIOException("background merge failed in " + dir, e instanceof IOException io
                                    ? io : new IOException(e));
                }
            }
        }, dir.getFileName() == null ? "store" : dir.getFileName().toString(), !opts.backgroundMerges(),
                () -> warmer.slice(lock.readLock(), WARM_SLICE_LEAVES));
        this.rangeDelete = new RangeDelete(tree, buffer, segs, readPath, new RangeDelete.Writer() {
            @Override
            public void apply(byte[] key, byte[] value, boolean blind) throws IOException {
                Engine.this.apply(key, value, blind);
            }

            @Override
            public void maybeSpill() throws IOException {
                pager.maybeSpill(spillLimitBytes);
            }
        });
        // The buffer is charged to the cache budget, so it may take at most half of it.
        long bufferLimit = Math.min(opts.writeBufferBytes(), Math.max(1024, cap / 2));
        long growCap = BufferedWrites.restoreShareOf(cap);
        long growLimit = opts.restoreBufferBytes() < 0 ? growCap : Math.min(opts.restoreBufferBytes(), growCap);
        this.writes = new BufferedWrites(buffer, tree, segs, pager, storage, mergeJob, opts.backgroundMerges(),
                bufferLimit, Math.max(bufferLimit, growLimit), spillLimitBytes,
                opts.writeMode() == dev.braid.store.WriteMode.MERGE_TREE,
                opts.recordCommits() ? committer.records() : null);
        this.recordCommits = new RecordCommits(opts, pager, buffer, segs, committer, storage, spillLimitBytes);
    }

    /** Opens or creates the store in {@code dir}; see {@link Recovery}. */
    public static Engine open(Path dir, BraidOptions opts) {
        Closeable dirLock = null;
        try {
            if (opts.createIfMissing()) {
                opts.fileSystem().createDirectories(dir);
            } else if (!opts.fileSystem().exists(dir.resolve(Recovery.PAGE_FILE))) {
                throw new BraidException("no Braid store in " + dir);
            }
            dirLock = opts.fileSystem().tryLock(dir.resolve(Recovery.LOCK_FILE));
            if (dirLock == null) {
                throw new StoreLockedException("store " + dir + " is open elsewhere");
            }
            Recovery.Opened o = Recovery.open(dir, opts);
            Engine e;
            try {
                e = new Engine(dir, opts, dirLock, o);
                e.segs.load(o.header());
                if (!o.recordFrames().isEmpty()) {
                    e.committedMeta = e.recordCommits.replay(o.recordFrames(), o.lastRecordSeq(), e::apply,
                            e.writes::atCommit);
                    e.userDirty = false; // the replay's writes are committed by its image commit
                }
            } catch (IOException | RuntimeException ex) {
                o.storage().close();
                o.pager().release();
                throw ex;
            }
            if (opts.backgroundMerges()) {
                e.mergeJob.start();
            }
            return e;
        } catch (IOException e) {
            release(dirLock);
            throw new BraidIOException("cannot open store " + dir, e);
        } catch (RuntimeException e) {
            release(dirLock);
            throw e;
        }
    }

    private static void release(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // the open already failed; that error is reported
            }
        }
    }

    // ---- reads -------------------------------------------------------------------------------

    public byte[] get(byte[] key) {
        lock.readLock().lock();
        try {
            ensureUsable();
            return readPath.get(key);
        } catch (IOException e) {
            throw new BraidIOException("read failed in " + dir, e);
        } finally {
            lock.readLock().unlock();
        }
    }

    public ScanBatch scan(byte[] from, boolean fromInc, byte[] to, boolean toInc, boolean reverse, byte[] after,
            int maxEntries, long maxBytes) {
        lock.readLock().lock();
        try {
            ensureUsable();
            return readPath.scan(from, fromInc, to, toInc, reverse, after, maxEntries, maxBytes);
        } catch (IOException e) {
            throw new BraidIOException("read failed in " + dir, e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Runs {@code reads} under the read lock: no write (and no merge install) happens meanwhile, and
     * the reads inside take the lock again (it is reentrant for readers). A write inside would
     * deadlock, so it is refused.
     */
    @Override
    public <T> T readConsistently(java.util.function.Supplier<T> reads) {
        lock.readLock().lock();
        try {
            ensureUsable();
            return reads.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    public long count() {
        lock.readLock().lock();
        try {
            ensureUsable();
            return readPath.count();
        } catch (IOException e) {
            throw new BraidIOException("read failed in " + dir, e);
        } finally {
            lock.readLock().unlock();
        }
    }

    public Map<String, String> committedMetadata() {
        ensureUsable();
        return committedMeta;
    }

    public long lastCommitSequence() {
        ensureUsable();
        return committer.lastSeq();
    }

    // ---- writes ------------------------------------------------------------------------------

    /** A write step; any exception inside fails the store, since the tree may be half changed (E1). */
    private interface WriteStep {
        void run() throws IOException;
    }

    private void write(WriteStep step) {
        writeLocked(step);
        if (lock.isWriteLockedByCurrentThread() || !opts.backgroundMerges()) {
            return; // nested (a job step), or merges run inline at commit: nothing to wait for
        }
        try {
            stallNanos.addAndGet(mergeJob.throttle());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLocked(WriteStep step) {
        if (lock.getReadHoldCount() > 0) {
            throw new IllegalStateException("a write inside Braid.readConsistently on " + dir);
        }
        lock.writeLock().lock();
        try {
            ensureUsable();
            step.run();
            pager.maybeSpill(spillLimitBytes);
        } catch (IOException e) {
            throw fail(new BraidIOException("write failed in " + dir, e));
        } catch (BraidException e) {
            if (e instanceof StoreFailedException || e instanceof StoreClosedException) {
                throw e;
            }
            fail(e);
            throw e;
        } catch (RuntimeException | Error e) {
            throw fail(new BraidException("write failed in " + dir + ": " + e, e));
        } finally {
            lock.writeLock().unlock();
        }
    }

    public void put(byte[] key, byte[] value) {
        write(() -> apply(key, value, false));
    }

    public void delete(byte[] key) {
        write(() -> apply(key, null, false));
    }

    public void blindPut(byte[] key, byte[] value) {
        write(() -> apply(key, value, true));
    }

    public void blindDelete(byte[] key) {
        write(() -> apply(key, null, true));
    }

    public void write(List<WriteBatch.Op> ops, boolean unlogged) {
        write(() -> {
            userDirty = true;
            writes.startBatch(unlogged);
            for (WriteBatch.Op op : ops) {
                if (op.isRangeDelete()) {
                    KeyRange r = op.range();
                    rangeDelete.run(r.from(), r.fromInclusive(), r.to(), r.toInclusive(), mergeJob.treeFrozen());
                    continue;
                }
                apply(op.key(), op.value(), op.blind());
                pager.maybeSpill(spillLimitBytes); // between operations: a large batch stays in budget
            }
            writes.endBatch();
        });
    }

    /** Deletes every key of the range ({@link RangeDelete}). */
    public void deleteRange(byte[] from, boolean fromInc, byte[] to, boolean toInc) {
        write(() -> {
            userDirty = true;
            mergeJob.wrote();
            rangeDelete.run(from, fromInc, to, toInc, mergeJob.treeFrozen());
        });
    }

    /** One write (W1 routing in {@link BufferedWrites#apply}). */
    private void apply(byte[] key, byte[] value, boolean blind) throws IOException {
        userDirty = true;
        mergeJob.wrote(); // a relocation waits for a quiet writer
        writes.apply(key, value, blind);
    }

    /** Pages of freed runs waiting for a checkpoint above which a commit asks for one. */
    static final int FREED_PAGES_CHECKPOINT = 256;

    public void commit(Map<String, String> meta) {
        write(() -> {
            writes.atCommit();
            if (recordCommits.allowed()) {
                committer.commitRecords(meta);
            } else {
                committer.commit(meta, segs::placeManifest);
            }
            userDirty = false;
            if (opts.backgroundMerges()) {
                mergeJob.signal();
            } else {
                mergeJob.runInline(false);
            }
            committedMeta = meta;
            checkpointIfDue();
        });
    }

    /**
     * The merge job's commit of its own changes (a relocated tree, a shorter file) when the writer
     * has written nothing since its last commit: the same data and metadata as that commit, another
     * layout. Returns whether it committed. Write lock held (the job takes it).
     */
    private boolean commitLayoutIfIdle() throws IOException {
        ensureUsable();
        if (userDirty || !buffer.isEmpty() || !segs.hasChanges()) {
            return false;
        }
        committer.commit(committedMeta, segs::placeManifest);
        checkpointIfDue();
        return true;
    }

    /** After a commit: checkpoints, or asks the checkpointer to, when the log or the freed runs call for it. */
    private void checkpointIfDue() {
        long logBytes = storage.logBytes();
        // Freed segment runs are written into again only after a checkpoint (S4): don't let many wait.
        boolean freedWait = segs.pagesAwaitingCheckpoint() >= FREED_PAGES_CHECKPOINT;
        if (logBytes > opts.maxLogBytes()
                || (!opts.backgroundCheckpoints() && (logBytes > opts.checkpointLogBytes() || freedWait))) {
            try {
                storage.checkpoint();
            } catch (IOException e) {
                // The commit itself is durable; the store fails for what comes next (E1).
                fail(new BraidIOException("checkpoint after commit failed in " + dir, e));
            }
        } else if (logBytes > opts.checkpointLogBytes() || freedWait) {
            checkpointer.request();
        }
    }

    /** Pauses or resumes background merges (see {@code Braid.pauseMerges}). */
    @Override
    public void setMergesPaused(boolean paused) {
        ensureUsable();
        mergeJob.setPaused(paused);
    }

    /** Waits until the background merge has folded every segment into the tree. */
    public void finishMerges() {
        ensureUsable();
        if (!opts.backgroundMerges()) {
            write(() -> mergeJob.runInline(true));
            return;
        }
        try {
            mergeJob.finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BraidException("interrupted while waiting for merges in " + dir, e);
        }
        ensureUsable();
    }

    /**
     * Folds every segment into the tree and moves the tree to the front of the page file, committing
     * these layout changes itself (with the last commit's metadata), so that the file ends up about
     * as large as the data: what the background job does on its own within a minute or so of a large
     * restore. Requires that nothing was written since the last commit.
     */
    @Override
    public void compact() {
        lock.writeLock().lock();
        try {
            ensureUsable();
            if (userDirty || !buffer.isEmpty()) {
                throw new IllegalStateException("compact() of " + dir + " needs every write committed: commit first");
            }
        } finally {
            lock.writeLock().unlock();
        }
        if (!opts.backgroundMerges()) {
            write(mergeJob::compactInline);
            return;
        }
        try {
            mergeJob.compact();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BraidException("interrupted while compacting " + dir, e);
        }
        ensureUsable();
    }

    /** Copies the committed pages into the page file (record commits made an image commit first if possible). */
    public void checkpoint() {
        write(() -> {
            recordCommits.writeAsImage(userDirty, committedMeta);
            storage.checkpoint();
        });
    }

    // ---- inspection --------------------------------------------------------------------------

    public List<IntegrityFinding> check() {
        lock.writeLock().lock();
        try {
            ensureUsable();
            return new IntegrityChecker(pager, tree, committer.committedHeader(), segs).run();
        } catch (IOException e) {
            throw new BraidIOException("check failed to read " + dir, e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    public BraidStats stats() {
        lock.readLock().lock();
        try {
            ensureUsable();
            return new BraidStats(pager.pageSize(), storage.pageFileBytes(), storage.logBytes(), pager.pageCount(),
                    pager.freeList().count() + segs.freeRunPages(), readPath.count(), committer.lastSeq(),
                    storage.checkpoints(), storage.bytesRead(), storage.bytesWritten(), pager.cache().hits(),
                    pager.cache().misses(), pager.cache().capacityBytes(), pager.cache().usedBytes(), buffer.bytes(),
                    segs.segments().size(), buffer.bytes() + segs.pendingBytes(), segs.merges(), stallNanos.get());
        } catch (IOException e) {
            throw new BraidIOException("stats failed in " + dir, e);
        } finally {
            lock.readLock().unlock();
        }
    }

    public Path directory() {
        return dir;
    }

    // ---- iterators and lifecycle -------------------------------------------------------------

    /** Tracks an open iterator; {@code onClose} runs if the store closes first. */
    public Runnable registerIterator(Runnable onClose) {
        if (closed) {
            throw new StoreClosedException("store " + dir + " is closed");
        }
        Object token = new Object();
        iterators.put(token, onClose);
        return () -> iterators.remove(token);
    }

    private void ensureUsable() {
        if (closed) {
            throw new StoreClosedException("store " + dir + " is closed");
        }
        BraidException f = failure;
        if (f != null) {
            throw new StoreFailedException("store " + dir + " failed earlier and must be reopened: "
                    + f.getMessage(), f);
        }
    }

    private StoreFailedException fail(BraidException cause) {
        if (failure == null) {
            failure = cause;
        }
        return new StoreFailedException("store " + dir + " failed and must be reopened: " + cause.getMessage(),
                cause);
    }

    private void failFromBackground(IOException e) {
        if (failure == null) {
            failure = new BraidIOException("background checkpoint failed in " + dir, e);
        }
    }

    /**
     * At close: record commits become an image commit (true: the log may be emptied), unless writes
     * since the last commit are mixed into the dirty pages; then the records stay for the next open.
     */
    private boolean closeCommitted() throws IOException {
        if (recordCommits.writeAsImage(userDirty, committedMeta)) {
            return true;
        }
        storage.checkpoint();
        storage.syncLog();
        return false;
    }

    /**
     * Closes iterators, checkpoints (unless failed) and releases the files. Writes since the last
     * commit are dropped, as after a crash.
     */
    public void close() {
        if (!closed && opts.backgroundMerges()) {
            mergeJob.close(); // outside the lock: its last step may need the lock to finish
        }
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            iterators.values().forEach(Runnable::run);
            iterators.clear();
            IOException error = null;
            try {
                if (failure == null && closeCommitted()) {
                    storage.checkpointAndReset(true, false);
                    storage.truncatePageFile(committer.committedHeader().pageCount);
                }
            } catch (IOException e) {
                error = e;
            }
            try {
                storage.close();
            } catch (IOException e) {
                error = error == null ? e : error;
            }
            pager.cache().reserve(buffer.clear());
            segs.close();
            pager.release();
            release(dirLock);
            if (error != null) {
                throw new BraidIOException("close of " + dir + " failed; the last commit is intact", error);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
