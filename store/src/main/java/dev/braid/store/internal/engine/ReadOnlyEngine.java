package dev.braid.store.internal.engine;

import dev.braid.store.BraidException;
import dev.braid.store.BraidIOException;
import dev.braid.store.BraidOptions;
import dev.braid.store.BraidStats;
import dev.braid.store.IntegrityFinding;
import dev.braid.store.ReadOnlyStoreException;
import dev.braid.store.StoreBusyException;
import dev.braid.store.StoreClosedException;
import dev.braid.store.WriteBatch;
import dev.braid.store.internal.btree.ScanBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A read-only client of a store (the seeds' read-only clients): it takes no directory lock and
 * writes, creates and syncs nothing, so it may read a store while an application in another process
 * has it open and writes it (docs/design/read-only.md). It reads one committed state, a
 * {@link Snapshot}, and checks after every operation that the writer has not checkpointed a newer
 * commit over it or reset the log: then the answer is exact. Otherwise it discards the snapshot,
 * takes the newest commit and runs the operation again, up to {@link #MAX_ATTEMPTS} times, before
 * giving up with {@link StoreBusyException}. A {@code CorruptionException} or I/O error is reported
 * only if the snapshot was still valid after it (a torn or overwritten page read during a race is
 * not damage). Every write throws {@link ReadOnlyStoreException}.
 *
 * <p>Lifecycle: {@code open -> OPEN -close-> CLOSED}; the snapshot is replaced while OPEN.
 *
 * <p>Thread safety: operations share {@code lock}; replacing the snapshot, {@link #check} and
 * {@link #close} take it exclusively. {@code current} is guarded by it.
 */
public final class ReadOnlyEngine implements StoreEngine {
    /** Attempts of one operation before {@link StoreBusyException}. */
    static final int MAX_ATTEMPTS = 10;

    private final Path dir;
    private final BraidOptions opts;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final ConcurrentHashMap<Object, Runnable> iterators = new ConcurrentHashMap<>();
    private Snapshot current;
    private volatile boolean closed;

    private ReadOnlyEngine(Path dir, BraidOptions opts) {
        this.dir = dir;
        this.opts = opts;
    }

    /** Opens the store in {@code dir} read-only at its last commit; see {@link Snapshot#take}. */
    public static ReadOnlyEngine open(Path dir, BraidOptions opts) {
        ReadOnlyEngine e = new ReadOnlyEngine(dir, opts);
        e.read(s -> null, false);
        return e;
    }

    /** One operation on a snapshot. */
    private interface Op<T> {
        T run(Snapshot s) throws IOException;
    }

    /** The outcome of an operation on a snapshot that was still valid afterwards. */
    private record Valid<T>(T value) {
    }

    /**
     * Runs {@code reads} until every read in it ran on the same snapshot (each read is validated on
     * its own; one that found its snapshot stale took a new one, and then the whole of {@code reads}
     * runs again), at most {@link #MAX_ATTEMPTS} times.
     */
    @Override
    public <T> T readConsistently(java.util.function.Supplier<T> reads) {
        for (int attempt = 1; ; attempt++) {
            Snapshot before = currentSnapshot();
            T value = reads.get();
            if (currentSnapshot() == before) {
                return value;
            }
            if (attempt >= MAX_ATTEMPTS) {
                throw new StoreBusyException("store " + dir + " is too busy: its writer checkpointed during each of "
                        + MAX_ATTEMPTS + " attempts of a consistent read; retry");
            }
        }
    }

    private Snapshot currentSnapshot() {
        lock.readLock().lock();
        try {
            ensureOpen();
            return current;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Runs {@code op} on the current snapshot and returns its answer if the snapshot was still valid
     * afterwards; otherwise takes a new snapshot and tries again.
     */
    private <T> T read(Op<T> op, boolean exclusive) {
        for (int attempt = 1; ; attempt++) {
            Lock l = exclusive ? lock.writeLock() : lock.readLock();
            Snapshot s;
            l.lock();
            try {
                ensureOpen();
                s = current;
                if (s != null) {
                    Valid<T> v = attempt(s, op);
                    if (v != null) {
                        return v.value();
                    }
                }
            } finally {
                l.unlock();
            }
            if (attempt >= MAX_ATTEMPTS) {
                throw new StoreBusyException("store " + dir + " is too busy: its writer checkpointed over each of "
                        + MAX_ATTEMPTS + " read-only snapshots before the read finished; retry");
            }
            if (attempt > 1) {
                pause(attempt);
            }
            renew(s);
        }
    }

    private <T> Valid<T> attempt(Snapshot s, Op<T> op) {
        T value = null;
        Exception error = null;
        try {
            value = op.run(s);
        } catch (IOException | RuntimeException e) {
            error = e;
        }
        boolean valid;
        try {
            valid = s.stillValid();
        } catch (IOException e) {
            throw new BraidIOException("cannot read " + dir, e);
        }
        if (!valid) {
            return null; // a race with the writer, whatever the error said
        }
        if (error instanceof IOException io) {
            throw new BraidIOException("read failed in " + dir, io);
        }
        if (error != null) {
            throw (RuntimeException) error;
        }
        return new Valid<>(value);
    }

    /** Replaces {@code stale} (null: none yet) by the newest commit, unless another thread already did. */
    private void renew(Snapshot stale) {
        lock.writeLock().lock();
        try {
            ensureOpen();
            if (current != stale) {
                return;
            }
            current = null;
            if (stale != null) {
                stale.close();
            }
            current = Snapshot.take(dir, opts); // null after a race: the next attempt takes another
        } catch (IOException e) {
            throw new BraidIOException("cannot open " + dir + " read-only", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Backs off a little so that a checkpoint or reset in progress can finish. */
    private void pause(int attempt) {
        try {
            Thread.sleep(Math.min(1L << (attempt - 2), 100));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BraidException("interrupted while reading " + dir);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreClosedException("store " + dir + " is closed");
        }
    }

    // ---- reads -------------------------------------------------------------------------------

    @Override
    public byte[] get(byte[] key) {
        return read(s -> s.readPath.get(key), false);
    }

    @Override
    public ScanBatch scan(byte[] from, boolean fromInc, byte[] to, boolean toInc, boolean reverse, byte[] after,
            int maxEntries, long maxBytes) {
        return read(s -> s.readPath.scan(from, fromInc, to, toInc, reverse, after, maxEntries, maxBytes), false);
    }

    @Override
    public long count() {
        return read(s -> s.readPath.count(), false);
    }

    @Override
    public Map<String, String> committedMetadata() {
        return read(s -> s.metadata, false);
    }

    @Override
    public long lastCommitSequence() {
        return read(s -> s.commitSeq, false);
    }

    @Override
    public List<IntegrityFinding> check() {
        return read(s -> new IntegrityChecker(s.pager, s.tree, s.header, s.segs).run(), true);
    }

    @Override
    public BraidStats stats() {
        return read(s -> {
            var cache = s.pager.cache();
            return new BraidStats(s.pager.pageSize(), s.storage.pageFileBytes(), s.storage.logBytes(),
                    s.pager.pageCount(), s.pager.freeList().count() + s.segs.freeRunPages(), s.readPath.count(), s.commitSeq, 0,
                    s.storage.bytesRead(), 0, cache.hits(), cache.misses(), cache.capacityBytes(), cache.usedBytes(),
                    0, s.segs.segments().size(), s.segs.pendingBytes(), 0, 0);
        }, false);
    }

    @Override
    public Path directory() {
        return dir;
    }

    // ---- writes: refused ---------------------------------------------------------------------

    private ReadOnlyStoreException refused() {
        ensureOpen();
        return new ReadOnlyStoreException("store " + dir + " is open read-only");
    }

    @Override
    public void put(byte[] key, byte[] value) {
        throw refused();
    }

    @Override
    public void delete(byte[] key) {
        throw refused();
    }

    @Override
    public void blindPut(byte[] key, byte[] value) {
        throw refused();
    }

    @Override
    public void blindDelete(byte[] key) {
        throw refused();
    }

    @Override
    public void write(List<WriteBatch.Op> ops, boolean unlogged) {
        throw refused();
    }

    @Override
    public void deleteRange(byte[] from, boolean fromInc, byte[] to, boolean toInc) {
        throw refused();
    }

    @Override
    public void commit(Map<String, String> meta) {
        throw refused();
    }

    @Override
    public void finishMerges() {
        throw refused();
    }

    @Override
    public void compact() {
        throw refused();
    }

    @Override
    public void setMergesPaused(boolean paused) {
        throw refused();
    }

    @Override
    public void checkpoint() {
        throw refused();
    }

    // ---- iterators and lifecycle -------------------------------------------------------------

    @Override
    public Runnable registerIterator(Runnable onClose) {
        ensureOpen();
        Object token = new Object();
        iterators.put(token, onClose);
        return () -> iterators.remove(token);
    }

    /** Closes the iterators and the snapshot's files. Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            iterators.values().forEach(Runnable::run);
            iterators.clear();
            if (current != null) {
                current.close();
                current = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
