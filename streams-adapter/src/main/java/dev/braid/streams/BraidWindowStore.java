package dev.braid.streams;

import java.nio.ByteBuffer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.PrefixedWindowKeySchemas.TimeFirstWindowKeySchema;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;
import org.apache.kafka.streams.state.internals.WindowKeySchema;

/**
 * The inner {@code WindowStore<Bytes, byte[]>} that Kafka wraps in its metered, caching and
 * change-logging layers: one Braid store in {@code <task state dir>/braid/<name>}, keys
 * {@code [segment id][key][window start][seqnum]} (Kafka's window key schema behind the segment id,
 * {@code docs/format/time-segments.md}). With {@code retainDuplicates} every put gets the next
 * sequence number, so equal keys and times are all kept (stream-stream joins) and null values are
 * ignored, as in Kafka. The subclasses add only the marker interfaces of Kafka's value formats.
 * A store of a time-ordered {@link SegmentLayout} stands in for Kafka's emit-on-window-close
 * (time-ordered) window store: keys {@code [segment id][0x00][window start][key][seqnum]}, so its
 * all-keys iterations stream in window-start order, key lookups go through the key-first index when
 * the layout has one (else they filter the time range, as Kafka's), and reads still see time
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
                     long segmentIntervalMs, long windowSizeMs, boolean retainDuplicates, SegmentLayout layout) {
        super(name, metricsScope, overrides, layout, false,
                new TimeSegments(retentionPeriodMs, segmentIntervalMs, layout.timeOrdered()));
        if (layout == SegmentLayout.SESSION || layout == SegmentLayout.TIME_ORDERED_SESSION_INDEXED) {
            throw new IllegalArgumentException("not a window layout: " + layout);
        }
        this.windowSizeMs = windowSizeMs;
        this.retainDuplicates = retainDuplicates;
        this.timeOrdered = layout.timeOrdered();
    }

    @Override
    public void put(Bytes key, byte[] value, long windowStartTimestamp) {
        if (value == null && retainDuplicates) {
            return;
        }
        if (retainDuplicates) {
            seqnum = (seqnum + 1) & 0x7FFFFFFF;
        }
        putSchemaKey(primaryKey(key, windowStartTimestamp, seqnum), value);
    }

    @Override
    public byte[] fetch(Bytes key, long time) {
        return getSchemaKey(primaryKey(key, time, seqnum));
    }

    @Override
    public WindowStoreIterator<byte[]> fetch(Bytes key, long timeFrom, long timeTo) {
        return WindowedIterator.windowStarts(fetchKey(key, timeFrom, timeTo, true), this::windowStart);
    }

    @Override
    public WindowStoreIterator<byte[]> backwardFetch(Bytes key, long timeFrom, long timeTo) {
        return WindowedIterator.windowStarts(fetchKey(key, timeFrom, timeTo, false), this::windowStart);
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

    private Bytes primaryKey(Bytes key, long windowStart, int seq) {
        return timeOrdered ? TimeFirstWindowKeySchema.toStoreKeyBinary(key, windowStart, seq)
                : WindowKeySchema.toStoreKeyBinary(key, windowStart, seq);
    }

    /** The window start in a primary key: {@code [key][start][seqnum]} or {@code [0x00][start][key][seqnum]}. */
    private long windowStart(Bytes primaryKey) {
        byte[] k = primaryKey.get();
        return ByteBuffer.wrap(k).getLong(timeOrdered ? 1 : k.length - Long.BYTES - Integer.BYTES);
    }

    private KeyValueIterator<Windowed<Bytes>, byte[]> windowed(KeyValueIterator<Bytes, byte[]> source) {
        return WindowedIterator.windowed(source, timeOrdered
                ? k -> TimeFirstWindowKeySchema.fromStoreBytesKey(k.get(), windowSizeMs)
                : k -> WindowKeySchema.fromStoreBytesKey(k.get(), windowSizeMs));
    }
}
