package dev.braid.streams;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;
import org.apache.kafka.streams.state.internals.WindowKeySchema;

/**
 * The inner {@code WindowStore<Bytes, byte[]>} that Kafka wraps in its metered, caching and
 * change-logging layers: one Braid store in {@code <task state dir>/braid/<name>}, keys
 * {@code [segment id][key][window start][seqnum]} (Kafka's window key schema behind the segment id,
 * {@code docs/format/time-segments.md}). With {@code retainDuplicates} every put gets the next
 * sequence number, so equal keys and times are all kept (stream-stream joins) and null values are
 * ignored, as in Kafka. The subclasses add only the marker interfaces of Kafka's value formats.
 * Thread safety as {@link BraidSegmentedStore}.
 */
sealed class BraidWindowStore extends BraidSegmentedStore implements WindowStore<Bytes, byte[]>
        permits BraidTimestampedWindowStore, BraidHeadersWindowStore {
    private final long windowSizeMs;
    private final boolean retainDuplicates;
    private int seqnum; // stream thread only

    BraidWindowStore(String name, String metricsScope, BraidStoreOptions overrides, long retentionPeriodMs,
                     long segmentIntervalMs, long windowSizeMs, boolean retainDuplicates) {
        super(name, metricsScope, overrides, new WindowKeySchema(), false, retentionPeriodMs, segmentIntervalMs);
        this.windowSizeMs = windowSizeMs;
        this.retainDuplicates = retainDuplicates;
    }

    @Override
    public void put(Bytes key, byte[] value, long windowStartTimestamp) {
        if (value == null && retainDuplicates) {
            return;
        }
        if (retainDuplicates) {
            seqnum = (seqnum + 1) & 0x7FFFFFFF;
        }
        putSchemaKey(WindowKeySchema.toStoreKeyBinary(key, windowStartTimestamp, seqnum), value);
    }

    @Override
    public byte[] fetch(Bytes key, long time) {
        return getSchemaKey(WindowKeySchema.toStoreKeyBinary(key, time, seqnum));
    }

    @Override
    public WindowStoreIterator<byte[]> fetch(Bytes key, long timeFrom, long timeTo) {
        return WindowedIterator.windowStarts(fetchKey(key, timeFrom, timeTo, true));
    }

    @Override
    public WindowStoreIterator<byte[]> backwardFetch(Bytes key, long timeFrom, long timeTo) {
        return WindowedIterator.windowStarts(fetchKey(key, timeFrom, timeTo, false));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
        return windowed(fetchRange(keyFrom, keyTo, timeFrom, timeTo, true));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo, long timeFrom,
                                                                   long timeTo) {
        return windowed(fetchRange(keyFrom, keyTo, timeFrom, timeTo, false));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> all() {
        return windowed(allEntries(true));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
        return windowed(allEntries(false));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(long timeFrom, long timeTo) {
        return windowed(fetchTimeRange(timeFrom, timeTo, true));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(long timeFrom, long timeTo) {
        return windowed(fetchTimeRange(timeFrom, timeTo, false));
    }

    /** {@code WindowKeyQuery} and {@code WindowRangeQuery}, as Kafka's window stores answer them. */
    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return StoreQueryUtils.handleBasicQueries(query, positionBound, config, this, getPosition(), context());
    }

    private KeyValueIterator<Windowed<Bytes>, byte[]> windowed(KeyValueIterator<Bytes, byte[]> source) {
        return WindowedIterator.windowed(source, k -> WindowKeySchema.fromStoreBytesKey(k.get(), windowSizeMs));
    }
}
