package dev.braid.streams;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.HeadersBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionStore;

/**
 * The supplier of header-format session stores; the marker makes {@code Materialized.as(supplier)}
 * use Kafka's headers session builder. Immutable; thread safe.
 */
final class BraidHeadersSessionBytesStoreSupplier extends BraidSessionBytesStoreSupplier
        implements HeadersBytesStoreSupplier {
    BraidHeadersSessionBytesStoreSupplier(String name, long retentionPeriodMs, BraidStoreOptions options) {
        super(name, retentionPeriodMs, options);
    }

    BraidHeadersSessionBytesStoreSupplier(String name, long retentionPeriodMs, SegmentLayout layout,
                                          BraidStoreOptions options) {
        super(name, retentionPeriodMs, layout, options);
    }

    @Override
    public SessionStore<Bytes, byte[]> get() {
        return new BraidHeadersSessionStore(name(), metricsScope(), options(), retentionPeriod(), segmentIntervalMs(),
                layout());
    }
}
