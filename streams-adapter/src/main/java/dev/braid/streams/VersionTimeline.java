package dev.braid.streams;

import dev.braid.store.Braid;
import dev.braid.store.BraidIterator;
import dev.braid.store.Entry;
import dev.braid.store.WriteBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;

/**
 * Every stored version of one key of a versioned store, read from its Braid store
 * ({@link VersionedKeys}), changed in memory, and written back as the difference: the versions, by
 * {@code validFrom}, each valid until the next one's {@code validFrom} (the newest: for ever). A
 * tombstone is a version without value. What {@link #put} keeps follows Kafka's versioned store: a
 * version that stops being valid in an expired segment is not kept. Single-threaded.
 */
final class VersionTimeline {
    /** One version; a null value is a tombstone. */
    record Version(long validFrom, byte[] value) {
    }

    private final byte[] key;
    private final TreeMap<Long, Version> versions = new TreeMap<>();
    private final Map<Bytes, byte[]> stored = new HashMap<>(); // store entries as read

    private VersionTimeline(byte[] key) {
        this.key = key;
    }

    /** The versions of {@code key} in {@code braid}: the latest entry and every segment present. */
    static VersionTimeline load(Braid braid, byte[] key) {
        VersionTimeline t = new VersionTimeline(key);
        byte[] latestKey = VersionedKeys.latestKey(key);
        byte[] latest = braid.get(latestKey);
        if (latest != null) {
            t.stored.put(Bytes.wrap(latestKey), latest);
            long from = VersionedKeys.latestValidFrom(latest);
            t.versions.put(from, new Version(from, VersionedKeys.latestPayload(latest)));
        }
        long segment = Long.MIN_VALUE;
        while (true) {
            long found;
            try (BraidIterator probe = braid.iterator(VersionedKeys.historyFrom(segment))) {
                if (!probe.hasNext()) {
                    break;
                }
                found = VersionedKeys.segmentOf(probe.peekNextKey());
            }
            try (BraidIterator it = braid.iterator(VersionedKeys.historyOf(found, key))) {
                while (it.hasNext()) {
                    Entry e = it.next();
                    t.stored.put(Bytes.wrap(e.key()), e.value());
                    long from = VersionedKeys.validFromOf(e.key());
                    t.versions.put(from, new Version(from, VersionedKeys.payloadOf(e.value())));
                }
            }
            if (found == Long.MAX_VALUE) {
                break;
            }
            segment = found + 1;
        }
        return t;
    }

    /** The version valid at {@code time}, with its validTo (none for the newest), or null. */
    VersionedRecord<byte[]> at(long time) {
        Map.Entry<Long, Version> e = versions.floorEntry(time);
        if (e == null || e.getValue().value() == null) {
            return null;
        }
        Long next = versions.higherKey(e.getKey());
        return next == null ? new VersionedRecord<>(e.getValue().value(), e.getKey())
                : new VersionedRecord<>(e.getValue().value(), e.getKey(), next);
    }

    /**
     * Versions with a value that are valid at some time in {@code [from, to]}, oldest first. Like
     * Kafka 4.3.1's versioned store, which searches only the segments up to that of {@code to}, an
     * older version whose validity ends in a later segment than {@code to} is left out (the newest
     * version never is).
     */
    List<VersionedRecord<byte[]>> between(long from, long to, TimeSegments segments) {
        List<VersionedRecord<byte[]>> out = new ArrayList<>();
        long lastSegment = segments.segmentId(to);
        for (Version v : versions.headMap(to, true).values()) {
            Long next = versions.higherKey(v.validFrom());
            if (v.value() == null || (next != null && (next <= from || segments.segmentId(next) > lastSegment))) {
                continue;
            }
            out.add(next == null ? new VersionedRecord<>(v.value(), v.validFrom())
                    : new VersionedRecord<>(v.value(), v.validFrom(), next));
        }
        return out;
    }

    /**
     * Adds (or replaces) the version at {@code timestamp} and drops the versions whose validity ends
     * in an expired segment. Returns the new version's validTo,
     * {@link VersionedKeyValueStore#PUT_RETURN_CODE_VALID_TO_UNDEFINED} when it is the newest, or
     * {@link VersionedKeyValueStore#PUT_RETURN_CODE_NOT_PUT} when it was expired at once (restores).
     */
    long put(long timestamp, byte[] value, TimeSegments segments) {
        Map.Entry<Long, Version> newest = versions.lastEntry();
        Map.Entry<Long, Version> before = versions.lowerEntry(timestamp);
        if (value == null && newest != null && newest.getKey() == timestamp && newest.getValue().value() != null
                && (before == null || before.getValue().value() == null)) {
            // as Kafka, which only deletes its latest-value row: no older value ends here, so
            // nothing marks this time (VersionedPut)
            versions.remove(timestamp);
            return VersionedKeyValueStore.PUT_RETURN_CODE_VALID_TO_UNDEFINED;
        }
        versions.put(timestamp, new Version(timestamp, value));
        Long next = versions.higherKey(timestamp);
        versions.entrySet().removeIf(e -> {
            Long to = versions.higherKey(e.getKey());
            // a newest tombstone lives in the segment of its own time (docs/format/time-segments.md)
            long end = to != null ? to : e.getValue().value() == null ? e.getKey() : Long.MAX_VALUE;
            return !segments.isLive(segments.segmentId(end));
        });
        if (!versions.containsKey(timestamp)) {
            return VersionedKeyValueStore.PUT_RETURN_CODE_NOT_PUT;
        }
        return next == null ? VersionedKeyValueStore.PUT_RETURN_CODE_VALID_TO_UNDEFINED : next;
    }

    /** Writes the difference from what was read into {@code batch} (blind operations if asked). */
    void writeTo(WriteBatch batch, boolean blind, TimeSegments segments) {
        Map<Bytes, byte[]> wanted = new HashMap<>();
        for (Map.Entry<Long, Version> e : versions.entrySet()) {
            Version v = e.getValue();
            Long to = versions.higherKey(e.getKey());
            if (to == null && v.value() != null) {
                wanted.put(Bytes.wrap(VersionedKeys.latestKey(key)), VersionedKeys.latestValue(v.validFrom(), v.value()));
            } else {
                long segment = segments.segmentId(to == null ? v.validFrom() : to);
                wanted.put(Bytes.wrap(VersionedKeys.historyKey(segment, key, v.validFrom())),
                        VersionedKeys.historyValue(to == null ? Long.MAX_VALUE : to, v.value()));
            }
        }
        for (Bytes old : stored.keySet()) {
            if (!wanted.containsKey(old)) {
                if (blind) {
                    batch.blindDelete(old.get());
                } else {
                    batch.delete(old.get());
                }
            }
        }
        for (Map.Entry<Bytes, byte[]> e : wanted.entrySet()) {
            if (!Arrays.equals(stored.get(e.getKey()), e.getValue())) {
                if (blind) {
                    batch.blindPut(e.getKey().get(), e.getValue());
                } else {
                    batch.put(e.getKey().get(), e.getValue());
                }
            }
        }
        stored.clear();
        stored.putAll(wanted);
    }
}
