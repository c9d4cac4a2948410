package dev.braid.streams;

import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The iterators a window or session store hands out, over an iterator of Kafka key-schema keys:
 * {@link #windowed} turns each key into its {@link Windowed} key, {@link #windowStarts} into its
 * window start time (a {@link WindowStoreIterator}), each with the decoder of the store's layout. Closing closes the source. Not thread safe.
 */
final class WindowedIterator implements WindowStoreIterator<byte[]> {
    private final KeyValueIterator<Bytes, byte[]> source;
    private final ToLongFunction<Bytes> windowStart;

    private WindowedIterator(KeyValueIterator<Bytes, byte[]> source, ToLongFunction<Bytes> windowStart) {
        this.source = source;
        this.windowStart = windowStart;
    }

    /** Keys as {@link Windowed} keys, decoded by {@code decode} (Kafka's window or session schema). */
    static KeyValueIterator<Windowed<Bytes>, byte[]> windowed(KeyValueIterator<Bytes, byte[]> source,
                                                             Function<Bytes, Windowed<Bytes>> decode) {
        return new Keyed<>(source, decode);
    }

    /** Window keys as their window start times, read by {@code windowStart}. */
    static WindowStoreIterator<byte[]> windowStarts(KeyValueIterator<Bytes, byte[]> source,
                                                    ToLongFunction<Bytes> windowStart) {
        return new WindowedIterator(source, windowStart);
    }

    @Override
    public boolean hasNext() {
        return source.hasNext();
    }

    @Override
    public KeyValue<Long, byte[]> next() {
        KeyValue<Bytes, byte[]> kv = source.next();
        return KeyValue.pair(windowStart.applyAsLong(kv.key), kv.value);
    }

    @Override
    public Long peekNextKey() {
        return windowStart.applyAsLong(source.peekNextKey());
    }

    @Override
    public void close() {
        source.close();
    }

    private record Keyed<K>(KeyValueIterator<Bytes, byte[]> source, Function<Bytes, K> convert)
            implements KeyValueIterator<K, byte[]> {
        @Override
        public boolean hasNext() {
            return source.hasNext();
        }

        @Override
        public KeyValue<K, byte[]> next() {
            KeyValue<Bytes, byte[]> kv = source.next();
            return KeyValue.pair(convert.apply(kv.key), kv.value);
        }

        @Override
        public K peekNextKey() {
            return convert.apply(source.peekNextKey());
        }

        @Override
        public void close() {
            source.close();
        }
    }
}
