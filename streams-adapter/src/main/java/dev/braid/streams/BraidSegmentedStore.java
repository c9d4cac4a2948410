package dev.braid.streams;

import dev.braid.store.BraidException;
import dev.braid.store.KeyRange;
import dev.braid.store.WriteBatch;
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
 * per time segment. It follows the contract of Kafka's segmented stores with Kafka's own key schemas
 * ({@link SegmentLayout}: key-first, or time-first with an optional key-first index in the same
 * segment, as Kafka's time-ordered stores) for ranges and filters, so every fetch returns what
 * Kafka's would, in Kafka's order, streamed segment by segment; an expired segment (index included)
 * is one {@code Braid.deleteRange}, atomic with the next commit. Writes to expired segments are
 * dropped and counted in Kafka's task-level {@code dropped-records} sensor.
 *
 * <p>Lifecycle and offsets as {@link BraidKeyValueStore}, through {@link OpenStore}, which records the
 * layout in every commit; restores go through {@link SegmentedRestoreCallback}. Thread safety: one
 * writer (the stream thread), any number of interactive-query readers. A primary key and its index
 * key are written in one atomic batch.
 */
abstract sealed class BraidSegmentedStore extends OpenStoreHolder permits BraidWindowStore, BraidSessionStore {
    private static final Logger LOG = LoggerFactory.getLogger(BraidSegmentedStore.class);
    private static final byte[] EMPTY = new byte[0];

    private final String metricsScope;
    private final BraidStoreOptions overrides;
    private final SegmentLayout layout;
    private final KeySchema schema; // the primary keys'
    private final boolean searchToNewest;
    final TimeSegments segments;
    private volatile StateStoreContext context;
    private Sensor droppedRecords; // stream thread only

    /**
     * @param searchToNewest key fetches search every segment from the lowest time up, not only up
     *                       to the highest: sessions live in the segment of their end time
     */
    BraidSegmentedStore(String name, String metricsScope, BraidStoreOptions overrides, SegmentLayout layout,
                        boolean searchToNewest, TimeSegments segments) {
        super(name);
        this.metricsScope = Objects.requireNonNull(metricsScope, "metricsScope");
        this.overrides = Objects.requireNonNull(overrides, "overrides");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.schema = layout.primary();
        this.searchToNewest = searchToNewest;
        this.segments = segments;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        checkNotOpen();
        segments.reset();
        this.context = context;
        opened(OpenStore.open(context, root, name, metricsScope, overrides, layout,
                parts -> new SegmentedRestoreCallback(parts, layout, segments)));
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

    /**
     * Writes {@code value} (null deletes) under primary key {@code key} (and its index key), unless
     * its segment expired.
     */
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
            if (layout.index() != null) {
                s.braid().write(withIndex(new WriteBatch(), segmentId, key.get(), value));
            } else if (value == null) {
                s.braid().delete(storeKey);
            } else {
                s.braid().put(storeKey, value);
            }
        } catch (BraidException e) {
            throw s.errors().translate(e);
        }
        StoreQueryUtils.updatePosition(s.position(), context);
    }

    /**
     * Deletes primary key {@code key} (and its index key); advances the stream time like Kafka's
     * remove, drops nothing.
     */
    void removeSchemaKey(Bytes key) {
        OpenStore s = open();
        long timestamp = schema.segmentTimestamp(key);
        segments.observe(timestamp);
        s.joinTransaction();
        try {
            long segmentId = segments.segmentId(timestamp);
            if (layout.index() != null) {
                s.braid().write(withIndex(new WriteBatch(), segmentId, key.get(), null));
            } else {
                s.braid().delete(SegmentedKeys.key(segmentId, key.get()));
            }
        } catch (BraidException e) {
            throw s.errors().translate(e);
        }
    }

    /**
     * Adds the writes of {@code value} (null deletes) under primary key {@code primaryKey} of segment
     * {@code segmentId} and under its index key (empty value) to {@code batch}.
     */
    WriteBatch withIndex(WriteBatch batch, long segmentId, byte[] primaryKey, byte[] value) {
        byte[] storeKey = SegmentedKeys.key(segmentId, primaryKey);
        byte[] indexKey = SegmentedKeys.key(segmentId, layout.indexOfPrimary(primaryKey));
        return value == null ? batch.delete(storeKey).delete(indexKey)
                : batch.put(indexKey, EMPTY).put(storeKey, value);
    }

    /** The value of primary key {@code key}, or null when absent or expired. */
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
        KeySchema search = layout.index() != null ? layout.index() : schema;
        return viaIndex(new SegmentIterator(open(), segments.segmentId(actualFrom), lastSegment(to),
                search.lowerRangeFixedSize(key, actualFrom), search.upperRangeFixedSize(key, to),
                search.hasNextCondition(key, key, actualFrom, to, forward), forward));
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
        // a null key bound is open; Kafka's key-first schemas return null, the prefixed ones the prefix's edge
        KeySchema search = layout.index() != null ? layout.index() : schema;
        return viaIndex(new SegmentIterator(open(), segments.segmentId(actualFrom), lastSegment(to),
                search.lowerRange(keyFrom, actualFrom), search.upperRange(keyTo, to),
                search.hasNextCondition(keyFrom, keyTo, actualFrom, to, forward), forward));
    }

    /** Every live entry, in primary-key order within each segment. */
    KeyValueIterator<Bytes, byte[]> allEntries(boolean forward) {
        long actualFrom = segments.actualFrom(0);
        return new SegmentIterator(open(), segments.segmentId(actualFrom), segments.segmentId(Long.MAX_VALUE),
                schema.lowerRange(null, actualFrom), schema.upperRange(null, Long.MAX_VALUE),
                schema.hasNextCondition(null, null, actualFrom, Long.MAX_VALUE, forward), forward);
    }

    /** Every entry whose segment lies in {@code [from, to]}, filtered by the schema's time condition. */
    KeyValueIterator<Bytes, byte[]> fetchTimeRange(long from, long to, boolean forward) {
        long actualFrom = segments.actualFrom(from);
        if (!searchToNewest && to < actualFrom) {
            return empty();
        }
        return new SegmentIterator(open(), segments.segmentId(actualFrom), segments.segmentId(to),
                schema.lowerRange(null, actualFrom), schema.upperRange(null, to),
                schema.hasNextCondition(null, null, actualFrom, to, forward), forward);
    }

    /**
     * The primary entries of the segments of times {@code [from, to]} (expired or not, while not yet
     * dropped) with keys in {@code [lower, upper]} that {@code condition} keeps, forward.
     */
    KeyValueIterator<Bytes, byte[]> scanSegments(long from, long to, Bytes lower, Bytes upper,
                                                 HasNextCondition condition) {
        return new SegmentIterator(open(), segments.segmentId(from), segments.segmentId(to), lower, upper, condition,
                true);
    }

    /** With an index, {@code indexKeys} turned into the primary entries they name; else as it is. */
    private KeyValueIterator<Bytes, byte[]> viaIndex(SegmentIterator indexKeys) {
        return layout.index() == null ? indexKeys : new IndexedIterator(indexKeys, layout::primaryOfIndex, this::getSchemaKey);
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
