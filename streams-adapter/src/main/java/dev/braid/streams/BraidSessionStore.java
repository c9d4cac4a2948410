package dev.braid.streams;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.internals.HasNextCondition;
import org.apache.kafka.streams.state.internals.SessionKeySchema;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;

/**
 * The inner {@code SessionStore<Bytes, byte[]>} that Kafka wraps in its layers: one Braid store in
 * {@code <task state dir>/braid/<name>}, keys {@code [segment id][key][end][start]} (Kafka's session
 * key schema behind the segment id of the session's end, {@code docs/format/time-segments.md}). The
 * {@code findSessions} lookups search from the segment of the earliest end up to the newest segment,
 * as Kafka's do. {@link BraidHeadersSessionStore} adds the headers marker. Thread safety as
 * {@link BraidSegmentedStore}.
 */
sealed class BraidSessionStore extends BraidSegmentedStore implements SessionStore<Bytes, byte[]>
        permits BraidHeadersSessionStore {
    private static final Comparator<KeyValue<Windowed<Bytes>, byte[]>> BY_END_KEY_START =
            Comparator.<KeyValue<Windowed<Bytes>, byte[]>>comparingLong(kv -> kv.key.window().end())
                    .thenComparing(kv -> kv.key.key())
                    .thenComparingLong(kv -> kv.key.window().start());

    BraidSessionStore(String name, String metricsScope, BraidStoreOptions overrides, long retentionPeriodMs,
                      long segmentIntervalMs) {
        super(name, metricsScope, overrides, new SessionKeySchema(), true,
                new TimeSegments(retentionPeriodMs, segmentIntervalMs));
    }

    @Override
    public void put(Windowed<Bytes> sessionKey, byte[] aggregate) {
        Objects.requireNonNull(sessionKey, "sessionKey cannot be null");
        putSchemaKey(SessionKeySchema.toBinary(sessionKey), aggregate);
    }

    @Override
    public void remove(Windowed<Bytes> sessionKey) {
        Objects.requireNonNull(sessionKey, "sessionKey cannot be null");
        removeSchemaKey(SessionKeySchema.toBinary(sessionKey));
    }

    @Override
    public byte[] fetchSession(Bytes key, long sessionStartTime, long sessionEndTime) {
        Objects.requireNonNull(key, "key cannot be null");
        return getSchemaKey(SessionKeySchema.toBinary(key, sessionStartTime, sessionEndTime));
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
     * end, key, start, as Kafka's emit-on-window-close session stores return them: not limited to the
     * retention period (closed sessions are just past it), only to segments not yet dropped. Collected
     * in memory: it serves the sessions that closed since the last emit.
     */
    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(long earliestSessionEndTime,
                                                                  long latestSessionEndTime) {
        List<KeyValue<Windowed<Bytes>, byte[]>> found = new ArrayList<>();
        HasNextCondition endInRange = it -> {
            while (it.hasNext()) {
                long end = SessionKeySchema.from(it.peekNextKey()).window().end();
                if (end >= earliestSessionEndTime && end <= latestSessionEndTime) {
                    return true;
                }
                it.next();
            }
            return false;
        };
        try (KeyValueIterator<Windowed<Bytes>, byte[]> it =
                     sessions(scanSegments(earliestSessionEndTime, latestSessionEndTime, endInRange))) {
            it.forEachRemaining(found::add);
        }
        found.sort(BY_END_KEY_START);
        return new ListedIterator<>(found);
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

    private static KeyValueIterator<Windowed<Bytes>, byte[]> sessions(KeyValueIterator<Bytes, byte[]> source) {
        return WindowedIterator.windowed(source, SessionKeySchema::from);
    }
}
