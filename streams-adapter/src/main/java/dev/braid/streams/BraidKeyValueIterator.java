package dev.braid.streams;

import dev.braid.store.BraidException;
import dev.braid.store.BraidIterator;
import dev.braid.store.Entry;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * A Kafka {@link KeyValueIterator} over a {@link BraidIterator}: it keeps working while the store is
 * written (the engine re-seeks after its last key), is tracked in its store's set of open iterators,
 * and after it or its store is closed every call throws {@link InvalidStateStoreException}, as
 * Kafka's built-in iterators do. Not thread safe, like the iterator it wraps.
 */
final class BraidKeyValueIterator implements KeyValueIterator<Bytes, byte[]> {
    private final BraidIterator inner;
    private final Set<BraidKeyValueIterator> openIterators;
    private final String storeName;
    private final ErrorMapping errors;
    private volatile boolean closed;

    BraidKeyValueIterator(BraidIterator inner, Set<BraidKeyValueIterator> openIterators, String storeName,
                          ErrorMapping errors) {
        this.inner = inner;
        this.openIterators = openIterators;
        this.storeName = storeName;
        this.errors = errors;
        openIterators.add(this);
    }

    @Override
    public boolean hasNext() {
        ensureOpen();
        try {
            return inner.hasNext();
        } catch (BraidException e) {
            throw translate(e);
        }
    }

    @Override
    public KeyValue<Bytes, byte[]> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        try {
            Entry e = inner.next();
            return KeyValue.pair(Bytes.wrap(e.key()), e.value());
        } catch (BraidException e) {
            throw translate(e);
        }
    }

    @Override
    public Bytes peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        try {
            return Bytes.wrap(inner.peekNextKey());
        } catch (BraidException e) {
            throw translate(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        openIterators.remove(this);
        inner.close();
    }

    /**
     * Called by the store as it closes, possibly on another thread: only sets the flag the owner
     * checks (closing the engine closes the inner iterator).
     */
    void closeWithStore() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new InvalidStateStoreException("iterator of Braid store " + storeName + " is closed");
        }
    }

    private RuntimeException translate(BraidException e) {
        // the store closed under us: report it as a closed iterator, as Kafka's own stores do
        return closed ? new InvalidStateStoreException("iterator of Braid store " + storeName + " is closed", e)
                : errors.translate(e);
    }
}
