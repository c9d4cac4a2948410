package dev.braid.store;

import dev.braid.store.internal.engine.StoreEngine;
import dev.braid.store.internal.btree.ScanBatch;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Walks a key range in one direction. It reads in batches (up to 128 entries or 256 KiB), each a
 * consistent view taken under the store's read lock, and resumes strictly after the last key it
 * read, so it keeps working while the store is written. Writes made while it is open may or may not
 * be seen: those behind its position never are, those beyond its current batch are. Not thread
 * safe; close it (or the store) when done.
 */
public final class BraidIterator implements Iterator<Entry>, AutoCloseable {
    private static final int BATCH_ENTRIES = 128;
    private static final long BATCH_BYTES = 256 * 1024;

    private final StoreEngine engine;
    private final KeyRange range;
    private final boolean reverse;
    private final ArrayDeque<Entry> buffer = new ArrayDeque<>();
    private final Runnable unregister;
    private byte[] lastKey;
    private boolean exhausted;
    private volatile boolean closed;

    BraidIterator(StoreEngine engine, KeyRange range, boolean reverse) {
        this.engine = engine;
        this.range = range;
        this.reverse = reverse;
        this.exhausted = range.isEmpty();
        this.unregister = engine.registerIterator(this::markClosed);
    }

    @Override
    public boolean hasNext() {
        ensureOpen();
        while (buffer.isEmpty() && !exhausted) {
            refill(); // a batch can be empty without ending the walk (all deleted keys)
        }
        return !buffer.isEmpty();
    }

    @Override
    public Entry next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Entry e = buffer.poll();
        ensureOpen();
        return new Entry(e.key().clone(), e.value());
    }

    /** The key {@link #next()} would return, without moving. */
    public byte[] peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return buffer.peek().key().clone();
    }

    private void refill() {
        ScanBatch batch = engine.scan(range.fromRef(), range.fromInclusive(), range.toRef(), range.toInclusive(),
                reverse, lastKey, BATCH_ENTRIES, BATCH_BYTES);
        exhausted = batch.endReached();
        if (batch.resumeKey() != null) {
            lastKey = batch.resumeKey();
        }
        buffer.addAll(batch.entries());
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreClosedException("iterator is closed");
        }
    }

    /** May run on another thread (the store closing): only sets the flag the owner checks. */
    private void markClosed() {
        closed = true;
    }

    @Override
    public void close() {
        if (!closed) {
            markClosed();
            buffer.clear();
            unregister.run();
        }
    }
}
