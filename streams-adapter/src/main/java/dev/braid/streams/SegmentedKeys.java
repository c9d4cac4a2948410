package dev.braid.streams;

import dev.braid.store.KeyRange;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * The keys of a window or session store inside its one Braid store: the time segment id, then Kafka's
 * key-schema bytes, normative in {@code docs/format/time-segments.md}:
 *
 * <pre>
 * offset  size  field
 * 0       8     segment id XOR 0x8000000000000000, big-endian (so negative ids sort first)
 * 8       n     Kafka's key-schema bytes (window: key, start, seqnum; session: key, end, start)
 * </pre>
 *
 * Keys of one segment are contiguous, so an expired segment is one {@code deleteRange}. Written to
 * disk: never change the layout. Stateless.
 */
final class SegmentedKeys {
    static final int PREFIX_BYTES = 8;

    private SegmentedKeys() {
    }

    static byte[] key(long segmentId, byte[] schemaKey) {
        return ByteBuffer.allocate(PREFIX_BYTES + schemaKey.length)
                .putLong(segmentId ^ Long.MIN_VALUE).put(schemaKey).array();
    }

    static long segmentId(byte[] storeKey) {
        return ByteBuffer.wrap(storeKey).getLong(0) ^ Long.MIN_VALUE;
    }

    static byte[] schemaKey(byte[] storeKey) {
        return Arrays.copyOfRange(storeKey, PREFIX_BYTES, storeKey.length);
    }

    /** Every key of segments {@code fromId} to {@code toId}, both included. */
    static KeyRange segments(long fromId, long toId) {
        return KeyRange.of(prefix(fromId), true, end(toId), false);
    }

    /** Every key of the segments below {@code id}. */
    static KeyRange below(long id) {
        return KeyRange.of(null, true, prefix(id), false);
    }

    /**
     * The keys of segment {@code id} whose schema key lies in {@code [lower, upper]}; a null bound is
     * the segment's edge.
     */
    static KeyRange within(long id, Bytes lower, Bytes upper) {
        return KeyRange.of(lower == null ? prefix(id) : key(id, lower.get()), true,
                upper == null ? end(id) : key(id, upper.get()), upper != null);
    }

    private static byte[] prefix(long id) {
        return ByteBuffer.allocate(PREFIX_BYTES).putLong(id ^ Long.MIN_VALUE).array();
    }

    /** The exclusive end of segment {@code id}: null (open) for the last possible id. */
    private static byte[] end(long id) {
        return id == Long.MAX_VALUE ? null : prefix(id + 1);
    }
}
