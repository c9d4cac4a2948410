package dev.braid.streams;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Window-schema entries in the order of Kafka's time-first window key schema, the order its
 * emit-on-window-close stores iterate in: by the bytes {@code [window start 8B][key][seqnum 4B]}.
 * Stateless.
 */
final class TimeOrder {
    private static final Comparator<KeyValue<Bytes, byte[]>> TIME_FIRST =
            Comparator.comparing(kv -> timeFirst(kv.key));

    private TimeOrder() {
    }

    /** Drains and closes {@code source}; its entries sorted time first, ascending or descending. */
    static KeyValueIterator<Bytes, byte[]> sorted(KeyValueIterator<Bytes, byte[]> source, boolean forward) {
        List<KeyValue<Bytes, byte[]>> all = new ArrayList<>();
        try (source) {
            source.forEachRemaining(all::add);
        }
        all.sort(forward ? TIME_FIRST : TIME_FIRST.reversed());
        return new ListedIterator<>(all);
    }

    private static Bytes timeFirst(Bytes windowSchemaKey) {
        byte[] k = windowSchemaKey.get();
        int keyBytes = k.length - Long.BYTES - Integer.BYTES;
        return Bytes.wrap(ByteBuffer.allocate(k.length).put(k, keyBytes, Long.BYTES).put(k, 0, keyBytes)
                .put(k, keyBytes + Long.BYTES, Integer.BYTES).array());
    }
}
