package dev.braid.streams;

import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * The primary entries named by an iterator of index keys, in index order: what Kafka's time-ordered
 * stores do for key lookups ({@code IndexToBaseStoreIterator}). Each index key costs one lookup of its
 * primary key; an index key whose primary entry is gone (deleted by the writer since the index batch
 * was read, or expired) is skipped. Closing closes the index iterator. Not thread safe.
 */
final class IndexedIterator implements KeyValueIterator<Bytes, byte[]> {
    private final KeyValueIterator<Bytes, byte[]> indexKeys;
    private final Function<Bytes, Bytes> primaryOf;
    private final Function<Bytes, byte[]> lookup;
    private Bytes nextKey;
    private byte[] nextValue;

    /**
     * @param primaryOf the primary key of an index key
     * @param lookup    the value of a primary key, or null when absent
     */
    IndexedIterator(KeyValueIterator<Bytes, byte[]> indexKeys, Function<Bytes, Bytes> primaryOf,
                    Function<Bytes, byte[]> lookup) {
        this.indexKeys = indexKeys;
        this.primaryOf = primaryOf;
        this.lookup = lookup;
    }

    @Override
    public boolean hasNext() {
        while (nextKey == null && indexKeys.hasNext()) {
            Bytes primary = primaryOf.apply(indexKeys.next().key);
            byte[] value = lookup.apply(primary);
            if (value != null) {
                nextKey = primary;
                nextValue = value;
            }
        }
        return nextKey != null;
    }

    @Override
    public KeyValue<Bytes, byte[]> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        KeyValue<Bytes, byte[]> kv = KeyValue.pair(nextKey, nextValue);
        nextKey = null;
        nextValue = null;
        return kv;
    }

    @Override
    public Bytes peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return nextKey;
    }

    @Override
    public void close() {
        indexKeys.close();
    }
}
