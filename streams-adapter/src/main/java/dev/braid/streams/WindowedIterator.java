package dev.braid.streams;

import java.nio.ByteBuffer;
import java.util.function.Function;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The iterators a window or session store hands out, over an iterator of Kafka key-schema keys:
 * {@link #windowed} turns each key into its {@link Windowed} key, {@link #windowStarts} into its
 * window start time (a {@link WindowStoreIterator}). Closing closes the source. Not thread safe.
 */
final class WindowedIterator implements WindowStoreIterator<byte[]> {
    private final KeyValueIterator<Bytes, byte[]> source;

    private WindowedIterator(KeyValueIterator<Bytes, byte[]> source) {
        this.source = source;
    }

    /** Keys as {@link Windowed} keys, decoded by {@code decode} (Kafka's window or session schema). */
    static KeyValueIterator<Windowed<Bytes>, byte[]> windowed(KeyValueIterator<Bytes, byte[]> source,
                                                             Function<Bytes, Windowed<Bytes>> decode) {
        return new Keyed<>(source, decode);
    }

    /** Window-schema keys as their window start times. */
    static WindowStoreIterator<byte[]> windowStarts(KeyValueIterator<Bytes, byte[]> source) {
        return new WindowedIterator(source);
    }

    /** The start time in a window-schema key: {@code [key][start 8B][seqnum 4B]}. */
    static long windowStart(Bytes windowSchemaKey) {
        byte[] b = windowSchemaKey.get();
        return ByteBuffer.wrap(b).getLong(b.length - Long.BYTES - Integer.BYTES);
    }

    @Override
    public boolean hasNext() {
        return source.hasNext();
    }

    @Override
    public KeyValue<Long, byte[]> next() {
        KeyValue<Bytes, byte[]> kv = source.next();
        return KeyValue.pair(windowStart(kv.key), kv.value);
    }

    @Override
    public Long peekNextKey() {
        return windowStart(source.peekNextKey());
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
