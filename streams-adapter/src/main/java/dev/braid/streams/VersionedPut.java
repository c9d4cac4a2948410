package dev.braid.streams;

import dev.braid.store.Braid;
import dev.braid.store.BraidIterator;
import dev.braid.store.Entry;
import dev.braid.store.WriteBatch;
import java.util.Arrays;
import org.apache.kafka.streams.state.VersionedKeyValueStore;

/**
 * One put (or delete) of a versioned store that reads what Kafka's {@code RocksDBVersionedStore.put}
 * reads: the newest version ({@code 0x00} key), and only when the put is older than it, the key's
 * older versions from the newest segment down to the segment of the put's time, stopping at the
 * version the put splits ({@link VersionedKeys}). A put at or after the newest version is one get and
 * the writes. The versions it changes: the new one, and the one valid just before it (its validTo
 * becomes the put's time, so it moves to that time's segment).
 *
 * <p>A newest tombstone stays in the segment of its own time when later versions are added after it
 * (Kafka keeps it there too): only a put that finds it while searching down to its own segment
 * rewrites it. Reads take validTo from the next version, not from the stored value, so such an entry
 * answers the same; it only expires with its own segment, as in Kafka. The caller has refused puts
 * older than the history retention and deleted the expired segments, so every segment written here
 * is live. Writer thread only; stateless.
 */
final class VersionedPut {
    private static final long NONE = Long.MIN_VALUE;

    private VersionedPut() {
    }

    /**
     * Adds the writes of putting {@code value} (null: a tombstone) at {@code timestamp} for
     * {@code key} to {@code batch}. Returns the new version's validTo, or
     * {@link VersionedKeyValueStore#PUT_RETURN_CODE_VALID_TO_UNDEFINED} when it is the newest.
     */
    static long put(Braid braid, byte[] key, byte[] value, long timestamp, TimeSegments segments, WriteBatch batch) {
        byte[] latestKey = VersionedKeys.latestKey(key);
        byte[] latest = braid.get(latestKey);
        long putSegment = segments.segmentId(timestamp);
        long nextFrom = NONE; // validFrom of the oldest version newer than the put
        if (latest != null) {
            long latestFrom = VersionedKeys.latestValidFrom(latest);
            if (timestamp >= latestFrom) {
                if (timestamp > latestFrom) {
                    batch.put(VersionedKeys.historyKey(putSegment, key, latestFrom),
                            VersionedKeys.historyValue(timestamp, VersionedKeys.latestPayload(latest)));
                }
                if (value == null && timestamp == latestFrom && !valueBefore(braid, key, putSegment)) {
                    // Kafka only deletes its latest-value row: with no older value ending at this
                    // time, nothing marks it, and an older put later becomes the newest version
                    batch.delete(latestKey);
                } else {
                    putNewest(batch, latestKey, key, value, timestamp, putSegment);
                }
                return VersionedKeyValueStore.PUT_RETURN_CODE_VALID_TO_UNDEFINED;
            }
            nextFrom = latestFrom;
        }
        Entry previous = null; // the version valid just before the put, if stored at or above its segment
        long upper = Long.MAX_VALUE;
        search:
        while (upper >= putSegment) {
            long segment;
            try (BraidIterator probe = braid.reverseIterator(VersionedKeys.historySegments(putSegment, upper))) {
                if (!probe.hasNext()) {
                    break;
                }
                segment = VersionedKeys.segmentOf(probe.peekNextKey());
            }
            try (BraidIterator it = braid.reverseIterator(VersionedKeys.historyOf(segment, key))) {
                while (it.hasNext()) {
                    Entry e = it.next();
                    long from = VersionedKeys.validFromOf(e.key());
                    if (from <= timestamp) {
                        previous = e;
                        break search;
                    }
                    nextFrom = from;
                }
            }
            upper = segment - 1;
        }
        if (previous != null && VersionedKeys.validFromOf(previous.key()) == timestamp) {
            // replaces a stored version; the versions around it stay
            if (nextFrom != NONE) {
                byte[] replaced = VersionedKeys.historyKey(segments.segmentId(nextFrom), key, timestamp);
                if (!Arrays.equals(replaced, previous.key())) {
                    batch.delete(previous.key()); // a former newest tombstone, still in the segment of its time
                }
                batch.put(replaced, VersionedKeys.historyValue(nextFrom, value));
                return nextFrom;
            }
            batch.delete(previous.key()); // the newest tombstone
            putNewest(batch, latestKey, key, value, timestamp, putSegment);
            return VersionedKeyValueStore.PUT_RETURN_CODE_VALID_TO_UNDEFINED;
        }
        if (previous != null) {
            byte[] moved = VersionedKeys.historyKey(putSegment, key, VersionedKeys.validFromOf(previous.key()));
            if (VersionedKeys.segmentOf(previous.key()) != putSegment) {
                batch.delete(previous.key());
            }
            batch.put(moved, VersionedKeys.historyValue(timestamp, VersionedKeys.payloadOf(previous.value())));
        }
        if (nextFrom == NONE) {
            putNewest(batch, latestKey, key, value, timestamp, putSegment);
            return VersionedKeyValueStore.PUT_RETURN_CODE_VALID_TO_UNDEFINED;
        }
        batch.put(VersionedKeys.historyKey(segments.segmentId(nextFrom), key, timestamp),
                VersionedKeys.historyValue(nextFrom, value));
        return nextFrom;
    }

    /**
     * Whether the newest older version of {@code key}, searched from segment {@code upper} down, has
     * a value (when the newest version's time is in segment {@code upper}, every older one is there
     * or below).
     */
    private static boolean valueBefore(Braid braid, byte[] key, long upper) {
        while (true) {
            long segment;
            try (BraidIterator probe = braid.reverseIterator(VersionedKeys.historySegments(Long.MIN_VALUE, upper))) {
                if (!probe.hasNext()) {
                    return false;
                }
                segment = VersionedKeys.segmentOf(probe.peekNextKey());
            }
            try (BraidIterator it = braid.reverseIterator(VersionedKeys.historyOf(segment, key))) {
                if (it.hasNext()) {
                    return VersionedKeys.payloadOf(it.next().value()) != null;
                }
            }
            if (segment == Long.MIN_VALUE) {
                return false;
            }
            upper = segment - 1;
        }
    }

    /** The newest version: under the {@code 0x00} key, or a tombstone in the segment of its time. */
    private static void putNewest(WriteBatch batch, byte[] latestKey, byte[] key, byte[] value, long timestamp,
                                  long segment) {
        if (value != null) {
            batch.put(latestKey, VersionedKeys.latestValue(timestamp, value));
        } else {
            batch.delete(latestKey);
            batch.put(VersionedKeys.historyKey(segment, key, timestamp), VersionedKeys.historyValue(Long.MAX_VALUE, null));
        }
    }
}
