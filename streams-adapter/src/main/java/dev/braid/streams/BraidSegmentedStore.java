package dev.braid.streams;

import dev.braid.store.BraidException;
import dev.braid.store.KeyRange;
import java.util.Objects;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;
import org.apache.kafka.streams.processor.internals.metrics.TaskMetrics;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.internals.HasNextCondition;
import org.apache.kafka.streams.state.internals.SegmentedBytesStore.KeySchema;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A window or session store on one Braid store whose keys are {@code [segment id][Kafka's key-schema
 * key]} ({@link SegmentedKeys}): the byte-level store that Kafka keeps as many RocksDB databases, one
 * per time segment. It follows the contract of Kafka's segmented stores with Kafka's own
 * {@link KeySchema} ({@code WindowKeySchema}, {@code SessionKeySchema}) for ranges and filters, so
 * every fetch returns what Kafka's would; an expired segment is one {@code Braid.deleteRange}, atomic
 * with the next commit. Writes to expired segments are dropped and counted in Kafka's task-level
 * {@code dropped-records} sensor.
 *
 * <p>Lifecycle and offsets as {@link BraidKeyValueStore}, through {@link OpenStore}; restores go
 * through {@link SegmentedRestoreCallback}. Thread safety: one writer (the stream thread), any number
 * of interactive-query readers.
 */
abstract sealed class BraidSegmentedStore extends OpenStoreHolder permits BraidWindowStore, BraidSessionStore {
    private static final Logger LOG = LoggerFactory.getLogger(BraidSegmentedStore.class);

    private final String metricsScope;
    private final BraidStoreOptions overrides;
    private final KeySchema schema;
    private final boolean searchToNewest;
    final TimeSegments segments;
    private volatile StateStoreContext context;
    private Sensor droppedRecords; // stream thread only

    /**
     * @param searchToNewest key fetches search every segment from the lowest time up, not only up
     *                       to the highest: sessions live in the segment of their end time
     */
    BraidSegmentedStore(String name, String metricsScope, BraidStoreOptions overrides, KeySchema schema,
                        boolean searchToNewest, TimeSegments segments) {
        super(name);
        this.metricsScope = Objects.requireNonNull(metricsScope, "metricsScope");
        this.overrides = Objects.requireNonNull(overrides, "overrides");
        this.schema = schema;
        this.searchToNewest = searchToNewest;
        this.segments = segments;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        checkNotOpen();
        segments.reset();
        this.context = context;
        opened(OpenStore.open(context, root, name, metricsScope, overrides,
                parts -> new SegmentedRestoreCallback(parts, schema, segments)));
        this.droppedRecords = context.metrics() instanceof StreamsMetricsImpl impl
                ? TaskMetrics.droppedRecordsSensor(Thread.currentThread().getName(), context.taskId().toString(), impl)
                : null;
    }

    StateStoreContext context() {
        return context;
    }

    /** The open store; for tests. */
    OpenStore openStore() {
        return open();
    }

    /** Writes {@code value} (null deletes) under Kafka schema key {@code key}, unless its segment expired. */
    void putSchemaKey(Bytes key, byte[] value) {
        OpenStore s = open();
        long timestamp = schema.segmentTimestamp(key);
        segments.observe(timestamp);
        long segmentId = segments.segmentId(timestamp);
        if (!segments.isLive(segmentId)) {
            LOG.debug("Braid store {}: dropping a write to expired segment {}", name, segmentId);
            recordDropped();
            return;
        }
        s.joinTransaction();
        try {
            KeyRange expired = segments.takeExpired();
            if (expired != null) {
                s.braid().deleteRange(expired);
            }
            byte[] storeKey = SegmentedKeys.key(segmentId, key.get());
            if (value == null) {
                s.braid().delete(storeKey);
            } else {
                s.braid().put(storeKey, value);
            }
        } catch (BraidException e) {
            throw s.errors().translate(e);
        }
        StoreQueryUtils.updatePosition(s.position(), context);
    }

    /** Deletes schema key {@code key}; advances the stream time like Kafka's remove, drops nothing. */
    void removeSchemaKey(Bytes key) {
        OpenStore s = open();
        long timestamp = schema.segmentTimestamp(key);
        segments.observe(timestamp);
        s.joinTransaction();
        try {
            s.braid().delete(SegmentedKeys.key(segments.segmentId(timestamp), key.get()));
        } catch (BraidException e) {
            throw s.errors().translate(e);
        }
    }

    /** The value of schema key {@code key}, or null when absent or expired. */
    byte[] getSchemaKey(Bytes key) {
        OpenStore s = open();
        long timestamp = schema.segmentTimestamp(key);
        if (timestamp < segments.actualFrom(Long.MIN_VALUE)) {
            return null;
        }
        try {
            return s.braid().get(SegmentedKeys.key(segments.segmentId(timestamp), key.get()));
        } catch (BraidException e) {
            throw s.errors().translate(e);
        }
    }

    /** Kafka's single-key fetch: entries of {@code key} with times in {@code [from, to]}. */
    KeyValueIterator<Bytes, byte[]> fetchKey(Bytes key, long from, long to, boolean forward) {
        Objects.requireNonNull(key, "key cannot be null");
        long actualFrom = segments.actualFrom(from);
        if (!searchToNewest && to < actualFrom) {
            return empty();
        }
        return new SegmentIterator(open(), segments.segmentId(actualFrom), lastSegment(to),
                schema.lowerRangeFixedSize(key, actualFrom), schema.upperRangeFixedSize(key, to),
                schema.hasNextCondition(key, key, actualFrom, to, forward), forward);
    }

    /** Kafka's key-range fetch; a null key bound is open. */
    KeyValueIterator<Bytes, byte[]> fetchRange(Bytes keyFrom, Bytes keyTo, long from, long to, boolean forward) {
        if (keyFrom != null && keyTo != null && keyFrom.compareTo(keyTo) > 0) {
            LOG.warn("Returning an empty iterator for a fetch of store {} whose lower key is above its upper key. "
                    + "The arguments may be in the wrong order, or the key serde may not keep the order of the keys "
                    + "in their bytes (the built-in numeric serdes do not for negative numbers).", name);
            return empty();
        }
        long actualFrom = segments.actualFrom(from);
        if (!searchToNewest && to < actualFrom) {
            return empty();
        }
        return new SegmentIterator(open(), segments.segmentId(actualFrom), lastSegment(to),
                keyFrom == null ? null : schema.lowerRange(keyFrom, actualFrom),
                keyTo == null ? null : schema.upperRange(keyTo, to),
                schema.hasNextCondition(keyFrom, keyTo, actualFrom, to, forward), forward);
    }

    /** Every live entry. */
    KeyValueIterator<Bytes, byte[]> allEntries(boolean forward) {
        long actualFrom = segments.actualFrom(0);
        return new SegmentIterator(open(), segments.segmentId(actualFrom), segments.segmentId(Long.MAX_VALUE),
                null, null, schema.hasNextCondition(null, null, actualFrom, Long.MAX_VALUE, forward), forward);
    }

    /** Every entry whose segment lies in {@code [from, to]}, filtered by the schema's time condition. */
    KeyValueIterator<Bytes, byte[]> fetchTimeRange(long from, long to, boolean forward) {
        long actualFrom = segments.actualFrom(from);
        if (!searchToNewest && to < actualFrom) {
            return empty();
        }
        return new SegmentIterator(open(), segments.segmentId(actualFrom), segments.segmentId(to),
                null, null, schema.hasNextCondition(null, null, actualFrom, to, forward), forward);
    }

    /**
     * Every entry of the segments of times {@code [from, to]} (expired or not, while not yet dropped)
     * that {@code condition} keeps, forward.
     */
    KeyValueIterator<Bytes, byte[]> scanSegments(long from, long to, HasNextCondition condition) {
        return new SegmentIterator(open(), segments.segmentId(from), segments.segmentId(to), null, null, condition, true);
    }

    private long lastSegment(long to) {
        return segments.segmentId(searchToNewest ? Long.MAX_VALUE : to);
    }

    private KeyValueIterator<Bytes, byte[]> empty() {
        open();
        return new SegmentIterator(current(), 1, 0, null, null, it -> false, true);
    }

    private void recordDropped() {
        if (droppedRecords == null) {
            return;
        }
        if (context instanceof InternalProcessorContext<?, ?> internal) {
            droppedRecords.record(1.0d, internal.currentSystemTimeMs());
        } else {
            droppedRecords.record();
        }
    }
}
