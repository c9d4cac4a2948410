package dev.braid.streams;

import dev.braid.store.Braid;
import dev.braid.store.BraidException;
import dev.braid.store.WriteBatch;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;
import org.apache.kafka.streams.processor.internals.metrics.TaskMetrics;
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.ResultOrder;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;

/**
 * A versioned key-value store ({@code VersionedKeyValueStore<Bytes, byte[]>}) on one Braid store: the
 * newest version of each key under its own key, older versions in time segments of their
 * {@code validTo} ({@link VersionedKeys}), so history past retention goes with one
 * {@code Braid.deleteRange}. Semantics of Kafka's versioned store: puts older than
 * {@code observedStreamTime - historyRetention} are refused ({@code PUT_RETURN_CODE_NOT_PUT}, counted
 * in {@code dropped-records}); {@code get(key, asOf)} below that bound answers only from the newest
 * version; the newest version never expires. Kafka's {@code VersionedKeyValueToBytesStoreAdapter}
 * makes it the {@code VersionedBytesStore} its builder wants.
 *
 * <p>Lifecycle and offsets through {@link OpenStore}; restores through
 * {@link VersionedRestoreCallback}. Thread safety: one writer, any number of readers (a read sees a
 * put whole: each put is one atomic Braid batch).
 */
final class BraidVersionedStore extends OpenStoreHolder implements VersionedKeyValueStore<Bytes, byte[]> {
    private final String metricsScope;
    private final BraidStoreOptions overrides;
    private final TimeSegments segments;
    private volatile StateStoreContext context;
    private Sensor droppedRecords; // stream thread only

    BraidVersionedStore(String name, String metricsScope, BraidStoreOptions overrides, long historyRetentionMs,
                        long segmentIntervalMs) {
        super(name);
        this.metricsScope = metricsScope;
        this.overrides = overrides;
        this.segments = new TimeSegments(historyRetentionMs, segmentIntervalMs);
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        checkNotOpen();
        segments.reset();
        this.context = context;
        opened(OpenStore.open(context, root, name, metricsScope, overrides, null,
                parts -> new VersionedRestoreCallback(parts, segments)));
        this.droppedRecords = context.metrics() instanceof StreamsMetricsImpl impl
                ? TaskMetrics.droppedRecordsSensor(Thread.currentThread().getName(), context.taskId().toString(), impl)
                : null;
    }

    @Override
    public long put(Bytes key, byte[] value, long timestamp) {
        Objects.requireNonNull(key, "key cannot be null");
        OpenStore s = open();
        if (timestamp < segments.observedStreamTime() - segments.retentionPeriodMs()) {
            recordDropped();
            StoreQueryUtils.updatePosition(s.position(), context);
            return PUT_RETURN_CODE_NOT_PUT;
        }
        long validTo = write(s, key, value, timestamp);
        StoreQueryUtils.updatePosition(s.position(), context);
        return validTo;
    }

    @Override
    public VersionedRecord<byte[]> delete(Bytes key, long timestamp) {
        Objects.requireNonNull(key, "key cannot be null");
        OpenStore s = open();
        if (timestamp < segments.observedStreamTime() - segments.retentionPeriodMs()) {
            recordDropped();
            return null;
        }
        VersionedRecord<byte[]> existing = get(key, timestamp);
        write(s, key, null, timestamp);
        StoreQueryUtils.updatePosition(s.position(), context);
        return existing;
    }

    @Override
    public VersionedRecord<byte[]> get(Bytes key) {
        Objects.requireNonNull(key, "key cannot be null");
        OpenStore s = open();
        try {
            byte[] latest = s.braid().get(VersionedKeys.latestKey(key.get()));
            return latest == null ? null
                    : new VersionedRecord<>(VersionedKeys.latestPayload(latest), VersionedKeys.latestValidFrom(latest));
        } catch (BraidException e) {
            throw s.errors().translate(e);
        }
    }

    @Override
    public VersionedRecord<byte[]> get(Bytes key, long asOfTimestamp) {
        Objects.requireNonNull(key, "key cannot be null");
        if (asOfTimestamp < segments.observedStreamTime() - segments.retentionPeriodMs()) {
            VersionedRecord<byte[]> latest = get(key); // the newest version never expires
            return latest != null && latest.timestamp() <= asOfTimestamp ? latest : null;
        }
        return timeline(key).at(asOfTimestamp);
    }

    /** The versions valid in {@code [fromTime, toTime]}, for {@code MultiVersionedKeyQuery}. */
    VersionedRecordIterator<byte[]> get(Bytes key, long fromTime, long toTime, ResultOrder order) {
        List<VersionedRecord<byte[]>> found;
        if (toTime < segments.observedStreamTime() - segments.retentionPeriodMs()) {
            VersionedRecord<byte[]> latest = get(key);
            found = latest != null && latest.timestamp() <= toTime ? List.of(latest) : List.of();
        } else {
            found = timeline(key).between(fromTime, toTime, segments);
        }
        if (order != ResultOrder.ASCENDING) {
            found = new java.util.ArrayList<>(found);
            Collections.reverse(found);
        }
        Iterator<VersionedRecord<byte[]>> it = found.iterator();
        return new VersionedRecordIterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public VersionedRecord<byte[]> next() {
                return it.next();
            }

            @Override
            public void close() {
            }
        };
    }

    /** {@code VersionedKeyQuery} as Kafka's stores answer it, and {@code MultiVersionedKeyQuery}. */
    @SuppressWarnings("unchecked")
    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        if (query instanceof MultiVersionedKeyQuery<?, ?> q) {
            // as StoreQueryUtils.handleBasicQueries does for the queries it knows
            long start = config.isCollectExecutionInfo() ? System.nanoTime() : -1L;
            Position position = getPosition();
            QueryResult<R> result;
            if (context == null || !StoreQueryUtils.isPermitted(position, positionBound, context.taskId().partition())) {
                result = QueryResult.notUpToBound(position, positionBound,
                        context == null ? null : context.taskId().partition());
            } else {
                MultiVersionedKeyQuery<Bytes, byte[]> raw = (MultiVersionedKeyQuery<Bytes, byte[]>) q;
                result = (QueryResult<R>) QueryResult.forResult(get(raw.key(),
                        raw.fromTime().map(java.time.Instant::toEpochMilli).orElse(Long.MIN_VALUE),
                        raw.toTime().map(java.time.Instant::toEpochMilli).orElse(Long.MAX_VALUE), raw.resultOrder()));
            }
            if (config.isCollectExecutionInfo()) {
                result.addExecutionInfo("Handled in " + getClass() + " in " + (System.nanoTime() - start) + "ns");
            }
            result.setPosition(position.copy());
            return result;
        }
        return StoreQueryUtils.handleBasicQueries(query, positionBound, config, this, getPosition(), context);
    }

    /** The open store; for tests. */
    OpenStore openStore() {
        return open();
    }

    private long write(OpenStore s, Bytes key, byte[] value, long timestamp) {
        segments.observe(timestamp);
        Braid b = s.braid();
        s.joinTransaction();
        try {
            if (segments.advanceDropped()) {
                b.deleteRange(VersionedKeys.historyBelow(segments.minLiveSegment()));
            }
            WriteBatch batch = new WriteBatch();
            long validTo = VersionedPut.put(b, key.get(), value, timestamp, segments, batch);
            b.write(batch);
            return validTo;
        } catch (BraidException e) {
            throw s.errors().translate(e);
        }
    }

    /** The key's versions, the newest and the history read against one state (no write in between). */
    private VersionTimeline timeline(Bytes key) {
        OpenStore s = open();
        try {
            Braid b = s.braid();
            return b.readConsistently(() -> VersionTimeline.load(b, key.get()));
        } catch (BraidException e) {
            throw s.errors().translate(e);
        }
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
