package dev.braid.streams;

import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.internals.HasNextCondition;
import org.apache.kafka.streams.state.internals.PrefixedSessionKeySchemas.TimeFirstSessionKeySchema;
import org.apache.kafka.streams.state.internals.SessionKeySchema;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;

/**
 * The inner {@code SessionStore<Bytes, byte[]>} that Kafka wraps in its layers: one Braid store in
 * {@code <task state dir>/braid/<name>}, keys {@code [segment id][key][end][start]} (Kafka's session
 * key schema behind the segment id of the session's end, {@code docs/format/time-segments.md}); or,
 * standing in for Kafka's emit-on-window-close (time-ordered) session store,
 * {@code [segment id][0x00][end][start][key]} with a key-first index ({@link SegmentLayout}), so that
 * {@link #findSessions(long, long)} streams the closed sessions in end order. The key lookups search
 * from the segment of the earliest end up to the newest segment, as Kafka's do.
 * {@link BraidHeadersSessionStore} adds the headers marker. Thread safety as
 * {@link BraidSegmentedStore}.
 */
sealed class BraidSessionStore extends BraidSegmentedStore implements SessionStore<Bytes, byte[]>
        permits BraidHeadersSessionStore {
    private final boolean timeOrdered;

    BraidSessionStore(String name, String metricsScope, BraidStoreOptions overrides, long retentionPeriodMs,
                      long segmentIntervalMs, SegmentLayout layout) {
        super(name, metricsScope, overrides, layout, true, new TimeSegments(retentionPeriodMs, segmentIntervalMs));
        if (layout != SegmentLayout.SESSION && layout != SegmentLayout.TIME_ORDERED_SESSION_INDEXED) {
            throw new IllegalArgumentException("not a session layout: " + layout);
        }
        this.timeOrdered = layout.timeOrdered();
    }

    @Override
    public void put(Windowed<Bytes> sessionKey, byte[] aggregate) {
        Objects.requireNonNull(sessionKey, "sessionKey cannot be null");
        putSchemaKey(primaryKey(sessionKey.key(), sessionKey.window().start(), sessionKey.window().end()), aggregate);
    }

    @Override
    public void remove(Windowed<Bytes> sessionKey) {
        Objects.requireNonNull(sessionKey, "sessionKey cannot be null");
        removeSchemaKey(primaryKey(sessionKey.key(), sessionKey.window().start(), sessionKey.window().end()));
    }

    @Override
    public byte[] fetchSession(Bytes key, long sessionStartTime, long sessionEndTime) {
        Objects.requireNonNull(key, "key cannot be null");
        return getSchemaKey(primaryKey(key, sessionStartTime, sessionEndTime));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(Bytes key, long earliestSessionEndTime,
                                                                  long latestSessionStartTime) {
        return sessions(fetchKey(key, earliestSessionEndTime, latestSessionStartTime, true));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFindSessions(Bytes key, long earliestSessionEndTime,
                                                                          long latestSessionStartTime) {
        return sessions(fetchKey(key, earliestSessionEndTime, latestSessionStartTime, false));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(Bytes keyFrom, Bytes keyTo,
                                                                  long earliestSessionEndTime,
                                                                  long latestSessionStartTime) {
        return sessions(fetchRange(keyFrom, keyTo, earliestSessionEndTime, latestSessionStartTime, true));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFindSessions(Bytes keyFrom, Bytes keyTo,
                                                                          long earliestSessionEndTime,
                                                                          long latestSessionStartTime) {
        return sessions(fetchRange(keyFrom, keyTo, earliestSessionEndTime, latestSessionStartTime, false));
    }

    /**
     * Sessions whose end lies in {@code [earliestSessionEndTime, latestSessionEndTime]}, ordered by
     * end, start, key bytes, as Kafka's emit-on-window-close session store returns them, streamed
     * from the time-first keys: not limited to the retention period (closed sessions are just past
     * it), only to segments not yet dropped. Like Kafka's key-first RocksDB session store, a store of
     * the key-first layout does not support it.
     */
    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(long earliestSessionEndTime,
                                                                  long latestSessionEndTime) {
        if (!timeOrdered) {
            throw new UnsupportedOperationException("This API is not supported by this implementation of "
                    + "SessionStore (Braid's time-ordered session store, which the DSL's emit-on-window-close "
                    + "aggregations get from BraidDslStoreSuppliers, supports it).");
        }
        HasNextCondition endInRange = it -> {
            while (it.hasNext()) {
                long end = TimeFirstSessionKeySchema.from(it.peekNextKey()).window().end();
                if (end >= earliestSessionEndTime && end <= latestSessionEndTime) {
                    return true;
                }
                it.next();
            }
            return false;
        };
        // as Kafka: [0x00][latest + 1][0] bounds every session ending at latest, whatever its start and key
        TimeFirstSessionKeySchema schema = new TimeFirstSessionKeySchema();
        return sessions(scanSegments(earliestSessionEndTime, latestSessionEndTime,
                schema.lowerRangeFixedSize(null, earliestSessionEndTime),
                schema.lowerRangeFixedSize(null, latestSessionEndTime + 1), endInRange));
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes key) {
        return findSessions(key, 0, Long.MAX_VALUE);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes key) {
        return backwardFindSessions(key, 0, Long.MAX_VALUE);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo) {
        return findSessions(keyFrom, keyTo, 0, Long.MAX_VALUE);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo) {
        return backwardFindSessions(keyFrom, keyTo, 0, Long.MAX_VALUE);
    }

    /** The session queries Kafka's session stores answer ({@code WindowRangeQuery} by key). */
    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return StoreQueryUtils.handleBasicQueries(query, positionBound, config, this, getPosition(), context());
    }

    private KeyValueIterator<Windowed<Bytes>, byte[]> sessions(KeyValueIterator<Bytes, byte[]> source) {
        return WindowedIterator.windowed(source, timeOrdered ? TimeFirstSessionKeySchema::from : SessionKeySchema::from);
    }

    private Bytes primaryKey(Bytes key, long start, long end) {
        return timeOrdered ? TimeFirstSessionKeySchema.toBinary(key, start, end) : SessionKeySchema.toBinary(key, start, end);
    }
}
