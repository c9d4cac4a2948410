package dev.braid.streams;

import dev.braid.store.KeyRange;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The keys and values of a versioned store inside its one Braid store, normative in
 * {@code docs/format/time-segments.md}:
 *
 * <pre>
 * latest version   0x00 | key                                          -> validFrom 8B | value
 * older versions   0x01 | segment 8B | key length 4B | key | validFrom 8B  -> validTo 8B | kind 1B | value
 * </pre>
 *
 * Segment and times are XOR {@code 0x8000000000000000}, big-endian (unsigned order = signed order);
 * the segment is that of the version's {@code validTo} (of its {@code validFrom} for a tombstone that
 * is the newest version), so a segment holds the versions that stop being valid in it and expires
 * with it in one {@code deleteRange}. Kind: 1 = value, 0 = tombstone. Written to disk: never change
 * the layout. Stateless.
 */
final class VersionedKeys {
    static final byte LATEST = 0x00;
    static final byte HISTORY = 0x01;
    static final byte VALUE = 1;
    static final byte TOMBSTONE = 0;
    private static final int HISTORY_FIXED_BYTES = 1 + 8 + 4 + 8;

    private VersionedKeys() {
    }

    static byte[] latestKey(byte[] key) {
        byte[] k = new byte[1 + key.length];
        k[0] = LATEST;
        System.arraycopy(key, 0, k, 1, key.length);
        return k;
    }

    static byte[] latestValue(long validFrom, byte[] value) {
        return ByteBuffer.allocate(8 + value.length).putLong(validFrom).put(value).array();
    }

    static long latestValidFrom(byte[] latestValue) {
        return ByteBuffer.wrap(latestValue).getLong(0);
    }

    static byte[] latestPayload(byte[] latestValue) {
        return Arrays.copyOfRange(latestValue, 8, latestValue.length);
    }

    static byte[] historyKey(long segmentId, byte[] key, long validFrom) {
        return ByteBuffer.allocate(HISTORY_FIXED_BYTES + key.length).put(HISTORY).putLong(segmentId ^ Long.MIN_VALUE)
                .putInt(key.length).put(key).putLong(validFrom ^ Long.MIN_VALUE).array();
    }

    /** The older versions of {@code key} in segment {@code segmentId}. */
    static KeyRange historyOf(long segmentId, byte[] key) {
        byte[] prefix = ByteBuffer.allocate(1 + 8 + 4 + key.length).put(HISTORY).putLong(segmentId ^ Long.MIN_VALUE)
                .putInt(key.length).put(key).array();
        return KeyRange.prefix(prefix);
    }

    /** Every older version in segments {@code fromId} and up. */
    static KeyRange historyFrom(long fromId) {
        return KeyRange.of(segmentPrefix(fromId), true, new byte[] {HISTORY + 1}, false);
    }

    /** Every older version in segments {@code fromId} to {@code toId}, both included. */
    static KeyRange historySegments(long fromId, long toId) {
        return KeyRange.of(segmentPrefix(fromId), true,
                toId == Long.MAX_VALUE ? new byte[] {HISTORY + 1} : segmentPrefix(toId + 1), false);
    }

    /** Every older version in the segments below {@code id}. */
    static KeyRange historyBelow(long id) {
        return KeyRange.of(new byte[] {HISTORY}, true, segmentPrefix(id), false);
    }

    static long segmentOf(byte[] historyKey) {
        return ByteBuffer.wrap(historyKey).getLong(1) ^ Long.MIN_VALUE;
    }

    static long validFromOf(byte[] historyKey) {
        return ByteBuffer.wrap(historyKey).getLong(historyKey.length - 8) ^ Long.MIN_VALUE;
    }

    static byte[] historyValue(long validTo, byte[] valueOrNull) {
        byte[] v = valueOrNull == null ? new byte[0] : valueOrNull;
        return ByteBuffer.allocate(9 + v.length).putLong(validTo).put(valueOrNull == null ? TOMBSTONE : VALUE).put(v)
                .array();
    }

    static long validToOf(byte[] historyValue) {
        return ByteBuffer.wrap(historyValue).getLong(0);
    }

    /** The value of a history entry, or null for a tombstone. */
    static byte[] payloadOf(byte[] historyValue) {
        return historyValue[8] == TOMBSTONE ? null : Arrays.copyOfRange(historyValue, 9, historyValue.length);
    }

    private static byte[] segmentPrefix(long id) {
        return ByteBuffer.allocate(9).put(HISTORY).putLong(id ^ Long.MIN_VALUE).array();
    }
}
