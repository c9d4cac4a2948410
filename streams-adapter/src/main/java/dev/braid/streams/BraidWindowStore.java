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
 * A {@code timeOrdered} store stands in for Kafka's emit-on-window-close (time-ordered) window store:
 * its all-keys iterations come in window-start order, and reads still see time
 * {@code streamTime - retention}, as that store's do.
 * Thread safety as {@link BraidSegmentedStore}.
 */
sealed class BraidWindowStore extends BraidSegmentedStore implements WindowStore<Bytes, byte[]>
        permits BraidTimestampedWindowStore, BraidHeadersWindowStore {
    private final long windowSizeMs;
    private final boolean retainDuplicates;
    private final boolean timeOrdered;
    private int seqnum; // stream thread only

    BraidWindowStore(String name, String metricsScope, BraidStoreOptions overrides, long retentionPeriodMs,
                     long segmentIntervalMs, long windowSizeMs, boolean retainDuplicates, boolean timeOrdered) {
        super(name, metricsScope, overrides, new WindowKeySchema(), false,
                new TimeSegments(retentionPeriodMs, segmentIntervalMs, timeOrdered));
        this.windowSizeMs = windowSizeMs;
        this.retainDuplicates = retainDuplicates;
        this.timeOrdered = timeOrdered;
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
        return windowed(inTimeOrder(allEntries(true), true));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
        return windowed(inTimeOrder(allEntries(false), false));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(long timeFrom, long timeTo) {
        return windowed(inTimeOrder(fetchTimeRange(timeFrom, timeTo, true), true));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(long timeFrom, long timeTo) {
        return windowed(inTimeOrder(fetchTimeRange(timeFrom, timeTo, false), false));
    }

    /** {@code WindowKeyQuery} and {@code WindowRangeQuery}, as Kafka's window stores answer them. */
    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return StoreQueryUtils.handleBasicQueries(query, positionBound, config, this, getPosition(), context());
    }

    /**
     * The entries of {@code source} as a time-ordered store returns them (by window start, then key
     * and seqnum bytes), when this store stands in for one; else {@code source} itself. Collected in
     * memory: emit-on-window-close reads the windows that closed since the last emit.
     */
    private KeyValueIterator<Bytes, byte[]> inTimeOrder(KeyValueIterator<Bytes, byte[]> source, boolean forward) {
        return timeOrdered ? TimeOrder.sorted(source, forward) : source;
    }

    private KeyValueIterator<Windowed<Bytes>, byte[]> windowed(KeyValueIterator<Bytes, byte[]> source) {
        return WindowedIterator.windowed(source, k -> WindowKeySchema.fromStoreBytesKey(k.get(), windowSizeMs));
    }
}
