package dev.braid.streams;

import static org.apache.kafka.streams.internals.ApiUtils.prepareMillisCheckFailMsgPrefix;
import static org.apache.kafka.streams.internals.ApiUtils.validateMillisecondDuration;

import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.VersionedBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

/**
 * Braid store suppliers for Kafka Streams, mirroring Kafka's {@code Stores} (key-value, window,
 * session; same signatures, same argument checks):
 *
 * <pre>{@code
 * builder.stream("words").groupByKey()
 *        .count(Materialized.as(BraidStores.persistentKeyValueStore("counts")));
 * Stores.keyValueStoreBuilder(BraidStores.persistentKeyValueStore("seen"), keySerde, valueSerde);
 * }</pre>
 *
 * Each store lives in {@code <task state dir>/braid/<name>}, takes its settings from the
 * application's {@code braid.*} properties (README, "Configuration") unless a
 * {@link BraidStoreOptions} overrides them, and reports metrics under scope {@code braid}. A window or
 * session store is one Braid store whatever its retention: its time segments are key prefixes, and an
 * expired segment is one range delete ({@code docs/format/time-segments.md}). Stateless.
 */
public final class BraidStores {
    private BraidStores() {
    }

    /** Plain values; for {@code Stores.keyValueStoreBuilder} (the DSL adapts it to timestamps). */
    public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name) {
        return persistentKeyValueStore(name, BraidStoreOptions.defaults());
    }

    public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name, BraidStoreOptions options) {
        return new BraidKeyValueBytesStoreSupplier(name, StoreFormat.PLAIN, options);
    }

    /** Timestamped values, as the DSL's tables and aggregations keep them. */
    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStore(String name) {
        return persistentTimestampedKeyValueStore(name, BraidStoreOptions.defaults());
    }

    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStore(String name,
                                                                                BraidStoreOptions options) {
        return new BraidKeyValueBytesStoreSupplier(name, StoreFormat.TIMESTAMPED, options);
    }

    /** Timestamp-and-headers values (Kafka 4.3), for {@code Stores.timestampedKeyValueStoreWithHeadersBuilder}. */
    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStoreWithHeaders(String name) {
        return persistentTimestampedKeyValueStoreWithHeaders(name, BraidStoreOptions.defaults());
    }

    public static KeyValueBytesStoreSupplier persistentTimestampedKeyValueStoreWithHeaders(String name,
                                                                                           BraidStoreOptions options) {
        return new BraidHeadersBytesStoreSupplier(name, options);
    }

    /** Plain window values; for {@code Stores.windowStoreBuilder}. */
    public static WindowBytesStoreSupplier persistentWindowStore(String name, Duration retentionPeriod,
                                                                 Duration windowSize, boolean retainDuplicates)
            throws IllegalArgumentException {
        return persistentWindowStore(name, retentionPeriod, windowSize, retainDuplicates, BraidStoreOptions.defaults());
    }

    public static WindowBytesStoreSupplier persistentWindowStore(String name, Duration retentionPeriod,
                                                                 Duration windowSize, boolean retainDuplicates,
                                                                 BraidStoreOptions options) {
        return windowStore(name, retentionPeriod, windowSize, retainDuplicates, StoreFormat.PLAIN, options);
    }

    /** Timestamped window values, as the DSL's windowed aggregations keep them. */
    public static WindowBytesStoreSupplier persistentTimestampedWindowStore(String name, Duration retentionPeriod,
                                                                            Duration windowSize,
                                                                            boolean retainDuplicates)
            throws IllegalArgumentException {
        return persistentTimestampedWindowStore(name, retentionPeriod, windowSize, retainDuplicates,
                BraidStoreOptions.defaults());
    }

    public static WindowBytesStoreSupplier persistentTimestampedWindowStore(String name, Duration retentionPeriod,
                                                                            Duration windowSize,
                                                                            boolean retainDuplicates,
                                                                            BraidStoreOptions options) {
        return windowStore(name, retentionPeriod, windowSize, retainDuplicates, StoreFormat.TIMESTAMPED, options);
    }

    /** Timestamp-and-headers window values (Kafka 4.3), for {@code Stores.timestampedWindowStoreWithHeadersBuilder}. */
    public static WindowBytesStoreSupplier persistentTimestampedWindowStoreWithHeaders(String name,
                                                                                       Duration retentionPeriod,
                                                                                       Duration windowSize,
                                                                                       boolean retainDuplicates)
            throws IllegalArgumentException {
        return persistentTimestampedWindowStoreWithHeaders(name, retentionPeriod, windowSize, retainDuplicates,
                BraidStoreOptions.defaults());
    }

    public static WindowBytesStoreSupplier persistentTimestampedWindowStoreWithHeaders(String name,
                                                                                       Duration retentionPeriod,
                                                                                       Duration windowSize,
                                                                                       boolean retainDuplicates,
                                                                                       BraidStoreOptions options) {
        return windowStore(name, retentionPeriod, windowSize, retainDuplicates, StoreFormat.HEADERS, options);
    }

    /** Plain session aggregates; for {@code Stores.sessionStoreBuilder}. */
    public static SessionBytesStoreSupplier persistentSessionStore(String name, Duration retentionPeriod) {
        return persistentSessionStore(name, retentionPeriod, BraidStoreOptions.defaults());
    }

    public static SessionBytesStoreSupplier persistentSessionStore(String name, Duration retentionPeriod,
                                                                   BraidStoreOptions options) {
        return new BraidSessionBytesStoreSupplier(name, sessionRetention(name, retentionPeriod), options);
    }

    /** Aggregation-with-headers session values (Kafka 4.3), for {@code Stores.sessionStoreWithHeadersBuilder}. */
    public static SessionBytesStoreSupplier persistentSessionStoreWithHeaders(String name, Duration retentionPeriod) {
        return persistentSessionStoreWithHeaders(name, retentionPeriod, BraidStoreOptions.defaults());
    }

    public static SessionBytesStoreSupplier persistentSessionStoreWithHeaders(String name, Duration retentionPeriod,
                                                                              BraidStoreOptions options) {
        return new BraidHeadersSessionBytesStoreSupplier(name, sessionRetention(name, retentionPeriod), options);
    }

    /**
     * A versioned key-value store: every version of a key for {@code historyRetention} (also the
     * grace period of out-of-order writes), the newest for ever; Kafka's default segment interval.
     */
    public static VersionedBytesStoreSupplier persistentVersionedKeyValueStore(String name, Duration historyRetention) {
        return persistentVersionedKeyValueStore(name, historyRetention, BraidStoreOptions.defaults());
    }

    public static VersionedBytesStoreSupplier persistentVersionedKeyValueStore(String name, Duration historyRetention,
                                                                           BraidStoreOptions options) {
        long retentionMs = historyRetention(name, historyRetention);
        return new BraidVersionedBytesStoreSupplier(name, retentionMs,
                BraidVersionedBytesStoreSupplier.defaultSegmentIntervalMs(retentionMs),
                Objects.requireNonNull(options, "options cannot be null"));
    }

    /** A versioned key-value store with segments of {@code segmentInterval} (for performance only). */
    public static VersionedBytesStoreSupplier persistentVersionedKeyValueStore(String name, Duration historyRetention,
                                                                           Duration segmentInterval) {
        long retentionMs = historyRetention(name, historyRetention);
        long segmentMs = validateMillisecondDuration(segmentInterval,
                prepareMillisCheckFailMsgPrefix(segmentInterval, "segmentInterval"));
        if (segmentMs < 1L) {
            throw new IllegalArgumentException("segmentInterval cannot be zero or negative");
        }
        return new BraidVersionedBytesStoreSupplier(name, retentionMs, segmentMs, BraidStoreOptions.defaults());
    }

    private static long historyRetention(String name, Duration historyRetention) {
        Objects.requireNonNull(name, "name cannot be null");
        long ms = validateMillisecondDuration(historyRetention,
                prepareMillisCheckFailMsgPrefix(historyRetention, "historyRetention"));
        if (ms < 0L) {
            throw new IllegalArgumentException("historyRetention cannot be negative");
        }
        return ms;
    }

    private static WindowBytesStoreSupplier windowStore(String name, Duration retentionPeriod, Duration windowSize,
                                                        boolean retainDuplicates, StoreFormat format,
                                                        BraidStoreOptions options) {
        return windowStore(name, retentionPeriod, windowSize, retainDuplicates, format, SegmentLayout.WINDOW, options);
    }

    /**
     * A window store standing in for Kafka's emit-on-window-close (time-ordered) one, for the DSL:
     * time-first keys, and a key-first index when {@code withIndex} (Kafka's supplier has one for
     * sliding windows and for the headers format).
     */
    static WindowBytesStoreSupplier timeOrderedWindowStore(String name, Duration retentionPeriod, Duration windowSize,
                                                          boolean retainDuplicates, boolean withIndex,
                                                          StoreFormat format) {
        return windowStore(name, retentionPeriod, windowSize, retainDuplicates, format,
                withIndex ? SegmentLayout.TIME_ORDERED_WINDOW_INDEXED : SegmentLayout.TIME_ORDERED_WINDOW,
                BraidStoreOptions.defaults());
    }

    /**
     * A session store standing in for Kafka's emit-on-window-close (time-ordered) one, for the DSL:
     * time-first keys and a key-first index, as Kafka's {@code RocksDbTimeOrderedSessionBytesStoreSupplier}
     * with index.
     */
    static SessionBytesStoreSupplier timeOrderedSessionStore(String name, Duration retentionPeriod, boolean headers) {
        long retentionMs = sessionRetention(name, retentionPeriod);
        return headers
                ? new BraidHeadersSessionBytesStoreSupplier(name, retentionMs, SegmentLayout.TIME_ORDERED_SESSION_INDEXED,
                        BraidStoreOptions.defaults())
                : new BraidSessionBytesStoreSupplier(name, retentionMs, SegmentLayout.TIME_ORDERED_SESSION_INDEXED,
                        BraidStoreOptions.defaults());
    }

    private static WindowBytesStoreSupplier windowStore(String name, Duration retentionPeriod, Duration windowSize,
                                                        boolean retainDuplicates, StoreFormat format,
                                                        SegmentLayout layout, BraidStoreOptions options) {
        Objects.requireNonNull(name, "name cannot be null");
        long retentionMs = validateMillisecondDuration(retentionPeriod,
                prepareMillisCheckFailMsgPrefix(retentionPeriod, "retentionPeriod"));
        long windowSizeMs = validateMillisecondDuration(windowSize,
                prepareMillisCheckFailMsgPrefix(windowSize, "windowSize"));
        return format == StoreFormat.HEADERS
                ? new BraidHeadersWindowBytesStoreSupplier(name, retentionMs, windowSizeMs, retainDuplicates,
                        layout, options)
                : new BraidWindowBytesStoreSupplier(name, format, retentionMs, windowSizeMs, retainDuplicates,
                        layout, options);
    }

    private static long sessionRetention(String name, Duration retentionPeriod) {
        Objects.requireNonNull(name, "name cannot be null");
        return validateMillisecondDuration(retentionPeriod,
                prepareMillisCheckFailMsgPrefix(retentionPeriod, "retentionPeriod"));
    }
}
