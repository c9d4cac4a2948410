package dev.braid.streams;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.HeadersBytesStore;

/**
 * A {@link BraidSessionStore} whose aggregates are Kafka 4.3's aggregation-with-headers format; the
 * marker tells Kafka's headers session builder to use it as it is. IQv2 is not answered, as by Kafka
 * 4.3.1's own RocksDB headers session store. Thread safety as {@link BraidSessionStore}.
 */
final class BraidHeadersSessionStore extends BraidSessionStore implements HeadersBytesStore {
    BraidHeadersSessionStore(String name, String metricsScope, BraidStoreOptions overrides, long retentionPeriodMs,
                             long segmentIntervalMs, SegmentLayout layout) {
        super(name, metricsScope, overrides, retentionPeriodMs, segmentIntervalMs, layout);
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        QueryResult<R> result = QueryResult.forUnknownQueryType(query, (StateStore) this);
        result.setPosition(getPosition().copy());
        return result;
    }
}
