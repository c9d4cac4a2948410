package dev.braid.streams;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.HeadersBytesStore;
import org.apache.kafka.streams.state.TimestampedBytesStore;

/**
 * A {@link BraidWindowStore} whose values are Kafka 4.3's timestamp-and-headers format; the markers
 * tell Kafka's headers window builder to use it as it is. IQv2 is not answered, as by Kafka 4.3.1's
 * own RocksDB headers window store (its metered layer has no query translation for this format yet).
 * Thread safety as {@link BraidWindowStore}.
 */
final class BraidHeadersWindowStore extends BraidWindowStore implements TimestampedBytesStore, HeadersBytesStore {
    BraidHeadersWindowStore(String name, String metricsScope, BraidStoreOptions overrides, long retentionPeriodMs,
                            long segmentIntervalMs, long windowSizeMs, boolean retainDuplicates, SegmentLayout layout) {
        super(name, metricsScope, overrides, retentionPeriodMs, segmentIntervalMs, windowSizeMs, retainDuplicates,
                layout);
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        QueryResult<R> result = QueryResult.forUnknownQueryType(query, (StateStore) this);
        result.setPosition(getPosition().copy());
        return result;
    }
}
