package dev.braid.streams;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.HeadersBytesStore;

/**
 * A {@link BraidKeyValueStore} whose values are Kafka 4.3's timestamp-and-headers format. The marker
 * tells the headers builder to use the store as it is. IQv2 is not answered, as by Kafka 4.3.1's own
 * RocksDB headers store: its metered layer has no query translation for this format yet. Thread
 * safety as {@link BraidKeyValueStore}.
 */
final class BraidHeadersKeyValueStore extends BraidKeyValueStore implements HeadersBytesStore {
    BraidHeadersKeyValueStore(String name, String metricsScope, BraidStoreOptions overrides) {
        super(name, metricsScope, overrides);
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        QueryResult<R> result = QueryResult.forUnknownQueryType(query, (StateStore) this);
        result.setPosition(getPosition().copy());
        return result;
    }
}
