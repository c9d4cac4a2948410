package dev.braid.streams;

import dev.braid.store.KeyRange;
import java.util.NoSuchElementException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.internals.HasNextCondition;

/**
 * Iterates the Kafka key-schema keys of time segments {@code firstSegment..lastSegment} of one
 * segmented store, segment by segment (ascending or descending ids), within each the schema-key
 * range {@code [lower, upper]}, keeping what Kafka's {@link HasNextCondition} of the same query
 * accepts: the same walk as Kafka's own segmented stores, over one Braid store. Segments are found by
 * seeking to the next stored key, so absent ids cost nothing. The iterator of each segment is tracked
 * by the store (it fails once the store is closed). Not thread safe.
 */
final class SegmentIterator implements KeyValueIterator<Bytes, byte[]> {
    private final OpenStore store;
    private final long firstSegment;
    private final long lastSegment;
    private final Bytes lower;
    private final Bytes upper;
    private final HasNextCondition condition;
    private final boolean forward;
    private SchemaKeys current;
    private long currentSegment;
    private boolean started;
    private boolean exhausted;

    SegmentIterator(OpenStore store, long firstSegment, long lastSegment, Bytes lower, Bytes upper,
                    HasNextCondition condition, boolean forward) {
        this.store = store;
        this.firstSegment = firstSegment;
        this.lastSegment = lastSegment;
        this.lower = lower;
        this.upper = upper;
        this.condition = condition;
        this.forward = forward;
        this.exhausted = firstSegment > lastSegment;
    }

    @Override
    public boolean hasNext() {
        while (true) {
            if (current == null && !openNextSegment()) {
                return false;
            }
            if (condition.hasNext(current)) {
                return true;
            }
            current.close();
            current = null;
        }
    }

    @Override
    public KeyValue<Bytes, byte[]> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.next();
    }

    @Override
    public Bytes peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.peekNextKey();
    }

    @Override
    public void close() {
        exhausted = true;
        if (current != null) {
            current.close();
            current = null;
        }
    }

    private boolean openNextSegment() {
        if (exhausted) {
            return false;
        }
        KeyRange rest;
        if (!started) {
            rest = SegmentedKeys.segments(firstSegment, lastSegment);
        } else if (forward ? currentSegment >= lastSegment : currentSegment <= firstSegment) {
            exhausted = true;
            return false;
        } else {
            rest = forward ? SegmentedKeys.segments(currentSegment + 1, lastSegment)
                    : SegmentedKeys.segments(firstSegment, currentSegment - 1);
        }
        started = true;
        long next;
        try (BraidKeyValueIterator probe = store.iterator(rest, !forward)) {
            if (!probe.hasNext()) {
                exhausted = true;
                return false;
            }
            next = SegmentedKeys.segmentId(probe.peekNextKey().get());
        }
        currentSegment = next;
        current = new SchemaKeys(store.iterator(SegmentedKeys.within(next, lower, upper), !forward));
        return true;
    }

    /** One segment's entries with the segment prefix taken off the keys. */
    private static final class SchemaKeys implements KeyValueIterator<Bytes, byte[]> {
        private final BraidKeyValueIterator inner;

        SchemaKeys(BraidKeyValueIterator inner) {
            this.inner = inner;
        }

        @Override
        public boolean hasNext() {
            return inner.hasNext();
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            KeyValue<Bytes, byte[]> kv = inner.next();
            return KeyValue.pair(Bytes.wrap(SegmentedKeys.schemaKey(kv.key.get())), kv.value);
        }

        @Override
        public Bytes peekNextKey() {
            return Bytes.wrap(SegmentedKeys.schemaKey(inner.peekNextKey().get()));
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
