package dev.braid.streams;

import dev.braid.store.BraidException;
import dev.braid.store.BraidStats;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Sensor.RecordingLevel;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;

/**
 * The engine's numbers of one store as gauges in Kafka's {@code stream-state-metrics} group, tagged
 * {@code <metricsScope>-state-id=<store name>} and {@code task-id}, registered the way Kafka's own
 * RocksDB property metrics are ({@link StreamsMetricsImpl#addStoreLevelMutableMetric}). All gauges of
 * one metrics read share one {@link BraidStats} snapshot: it is taken at most once per
 * {@value #SNAPSHOT_NANOS} ns. Removed on {@link #close()}. Thread safe (gauges are read by reporter
 * threads).
 */
final class BraidStoreMetrics implements AutoCloseable {
    static final long SNAPSHOT_NANOS = 100_000_000L;

    private final StreamsMetricsImpl metrics;
    private final Supplier<BraidStats> source;
    private final List<MetricName> added = new ArrayList<>();
    private BraidStats snapshot; // guarded by this
    private long snapshotAtNanos; // guarded by this

    private BraidStoreMetrics(StreamsMetricsImpl metrics, Supplier<BraidStats> source) {
        this.metrics = metrics;
        this.source = source;
    }

    /**
     * Registers the gauges of store {@code storeName}, or none when the context's metrics are not
     * Kafka's implementation (some test contexts).
     */
    static BraidStoreMetrics register(StateStoreContext context, String metricsScope, String storeName,
                                      Supplier<BraidStats> source) {
        if (!(context.metrics() instanceof StreamsMetricsImpl impl)) {
            return new BraidStoreMetrics(null, source);
        }
        BraidStoreMetrics m = new BraidStoreMetrics(impl, source);
        String task = context.taskId().toString();
        m.gauge(task, metricsScope, storeName, "cache-hit-ratio",
                "Share of page lookups answered by the page cache (of the whole shared budget)", BraidStats::cacheHitRatio);
        m.gauge(task, metricsScope, storeName, "bytes-read-total", "Bytes read from the store's files since open",
                BraidStats::bytesRead);
        m.gauge(task, metricsScope, storeName, "bytes-written-total", "Bytes written to the store's files since open",
                BraidStats::bytesWritten);
        m.gauge(task, metricsScope, storeName, "log-bytes", "Bytes of the write-ahead log in use", BraidStats::logBytes);
        m.gauge(task, metricsScope, storeName, "page-file-bytes", "Length of the page file", BraidStats::pageFileBytes);
        m.gauge(task, metricsScope, storeName, "checkpoints-total", "Checkpoints completed since open",
                BraidStats::checkpoints);
        m.gauge(task, metricsScope, storeName, "segments", "Merge-tree segments not yet merged into the B+tree",
                BraidStats::segments);
        m.gauge(task, metricsScope, storeName, "pending-merge-bytes",
                "Bytes waiting to reach the B+tree: write buffer plus segments", BraidStats::pendingMergeBytes);
        m.gauge(task, metricsScope, storeName, "merges-total", "Merges completed since open", BraidStats::merges);
        m.gauge(task, metricsScope, storeName, "write-stall-time-ns-total",
                "Nanoseconds writers spent slowed down or waiting for merges since open", BraidStats::writeStallNanos);
        m.gauge(task, metricsScope, storeName, "number-keys", "Exact number of keys in the store", BraidStats::entries);
        m.gauge(task, metricsScope, storeName, "memory-used-bytes",
                "Bytes held against the memory budget (all stores sharing it)", BraidStats::memoryUsedBytes);
        m.gauge(task, metricsScope, storeName, "memory-budget-bytes", "The memory budget this store draws on",
                BraidStats::memoryBudgetBytes);
        return m;
    }

    private void gauge(String task, String scope, String store, String name, String description,
                       ToDoubleFunction<BraidStats> read) {
        Gauge<Double> g = (config, now) -> {
            BraidStats s = stats();
            return s == null ? Double.NaN : read.applyAsDouble(s);
        };
        added.add(metrics.addStoreLevelMutableMetric(task, scope, store, name, description, RecordingLevel.INFO, g));
    }

    /**
     * The shared snapshot, refreshed when older than {@value #SNAPSHOT_NANOS} ns. A reporter may read
     * while the store closes: it then gets the last snapshot (null if there was none).
     */
    synchronized BraidStats stats() {
        long now = System.nanoTime();
        if (snapshot == null || now - snapshotAtNanos > SNAPSHOT_NANOS) {
            try {
                snapshot = source.get();
                snapshotAtNanos = now;
            } catch (BraidException closedOrFailed) {
                return snapshot;
            }
        }
        return snapshot;
    }

    /** Names of the registered gauges. */
    List<MetricName> names() {
        return List.copyOf(added);
    }

    @Override
    public void close() {
        if (metrics != null) {
            added.forEach(metrics::removeStoreLevelMetric);
        }
        added.clear();
    }
}
