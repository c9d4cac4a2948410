package dev.braid.streams;

import java.util.List;
import java.util.NoSuchElementException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * A {@link KeyValueIterator} over entries already collected in a list (the orders that Braid's key
 * layout does not give directly: time-ordered window and session scans). Holds nothing to close. Not
 * thread safe.
 */
final class ListedIterator<K> implements KeyValueIterator<K, byte[]> {
    private final List<KeyValue<K, byte[]>> entries;
    private int next;

    ListedIterator(List<KeyValue<K, byte[]>> entries) {
        this.entries = entries;
    }

    @Override
    public boolean hasNext() {
        return next < entries.size();
    }

    @Override
    public KeyValue<K, byte[]> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return entries.get(next++);
    }

    @Override
    public K peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return entries.get(next).key;
    }

    @Override
    public void close() {
    }
}
