package dev.braid.streams;

import dev.braid.store.Braid;
import dev.braid.store.BraidException;
import dev.braid.store.KeyRange;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open Braid of one window, session or versioned state store, with the Kafka state committed
 * alongside it: changelog offsets, the IQv2 {@link Position}, the error mapping, the gauges and the
 * open iterators. It does for those stores what {@link BraidKeyValueStore} does for itself in init,
 * commit and close, with the same parts ({@link StoreDirectory}, {@link CommitMetadata},
 * {@link ErrorMapping}, {@link BraidStoreMetrics}).
 *
 * <p>Lifecycle: {@code open -> OPEN -close-> CLOSED}; after close every call that needs the engine
 * throws {@link InvalidStateStoreException}. Thread safety: one writer (the stream thread) and any
 * number of interactive-query readers; the fields readers see are volatile or concurrent.
 */
final class OpenStore {
    private static final Logger LOG = LoggerFactory.getLogger(OpenStore.class);

    /** What a store's restore callback is built from. */
    record RestoreParts(Braid braid, Position position, boolean consistencyEnabled, ErrorMapping errors) {
    }

    private final String name;
    private final SegmentLayout layout;
    private final Braid braid;
    private final Position position;
    private final ErrorMapping errors;
    private final BraidStoreMetrics metrics;
    private final Set<BraidKeyValueIterator> openIterators = ConcurrentHashMap.newKeySet();
    private volatile Map<TopicPartition, Long> committedOffsets;
    private RecordBatchingStateRestoreCallback restoreCallback;
    private volatile boolean open = true;
    // Set when a Kafka transaction with writes of this store aborted; cleared by Kafka's commit(offsets).
    private volatile boolean abortedWrites;
    private final KafkaTransactions.Participant transactions = new KafkaTransactions.Participant() {
        @Override
        public void transactionCommitted(Map<TopicPartition, Long> ackedOffsets) {
            commitAfterKafkaTransaction(ackedOffsets);
        }

        @Override
        public void transactionAborted() {
            abortedWrites = true;
        }
    };

    private OpenStore(String name, SegmentLayout layout, StoreDirectory.Opened opened, ErrorMapping errors,
                      BraidStoreMetrics metrics) {
        this.name = name;
        this.layout = layout;
        this.braid = opened.braid();
        this.position = opened.metadata().position();
        this.committedOffsets = opened.metadata().offsets();
        this.errors = errors;
        this.metrics = metrics;
    }

    /**
     * Opens {@code <task state dir>/braid/<name>}, registers the restore callback that
     * {@code restore} builds, and the gauges under {@code metricsScope}. A window or session store
     * passes its key {@code layout} (null otherwise): every commit records it, and a directory written
     * with another one is set aside ({@link StoreDirectory#open(Path, dev.braid.store.BraidOptions,
     * String, boolean, SegmentLayout)}).
     */
    static OpenStore open(StateStoreContext context, StateStore root, String name, String metricsScope,
                          BraidStoreOptions overrides, SegmentLayout layout,
                          Function<RestoreParts, RecordBatchingStateRestoreCallback> restore) {
        Objects.requireNonNull(restore, "restore");
        Map<String, Object> appConfigs = context.appConfigs();
        BraidConfig config = BraidConfig.from(appConfigs);
        Path dir = StoreDirectory.of(context.stateDir().toPath(), name);
        StoreDirectory.Opened opened = StoreDirectory.open(dir, config.toOptions(overrides), name,
                BraidKeyValueStore.isGlobal(context.taskId()), layout);
        try {
            ErrorMapping errors = new ErrorMapping(name, context.taskId());
            boolean consistency = StreamsConfig.InternalConfig.getBoolean(
                    appConfigs, StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, false);
            BraidStoreMetrics metrics = BraidStoreMetrics.register(context, metricsScope, name, opened.braid()::stats);
            OpenStore store = new OpenStore(name, layout, opened, errors, metrics);
            try {
                store.restoreCallback = restore.apply(new RestoreParts(store.braid, store.position, consistency, errors));
                context.register(root, store.restoreCallback);
            } catch (RuntimeException e) {
                metrics.close();
                throw e;
            }
            return store;
        } catch (RuntimeException e) {
            opened.braid().close(); // release the directory lock, or the next init could not open it
            throw e;
        }
    }

    /** The restore callback registered at init (tests replay changelog batches through it). */
    RecordBatchingStateRestoreCallback restoreCallback() {
        return restoreCallback;
    }

    boolean isOpen() {
        return open;
    }

    /** The engine, or {@link InvalidStateStoreException} once closed. */
    Braid braid() {
        if (!open) {
            throw new InvalidStateStoreException("Braid store " + name + " is not open");
        }
        return braid;
    }

    /** The IQv2 position; its components are concurrent maps. */
    Position position() {
        return position;
    }

    ErrorMapping errors() {
        return errors;
    }

    BraidStoreMetrics metrics() {
        return metrics;
    }

    /** A tracked iterator over {@code range} (closed with the store). */
    BraidKeyValueIterator iterator(KeyRange range, boolean reverse) {
        Braid b = braid();
        try {
            return new BraidKeyValueIterator(reverse ? b.reverseIterator(range) : b.iterator(range),
                    openIterators, name, errors);
        } catch (BraidException e) {
            throw errors.translate(e);
        }
    }

    /**
     * A write of this store joins the calling thread's Kafka transaction (with
     * {@link BraidClientSupplier}), so the store commits right after it commits: see
     * {@link BraidKeyValueStore} for why that is safe. Call on every write.
     */
    void joinTransaction() {
        KafkaTransactions.join(transactions);
    }

    private void commitAfterKafkaTransaction(Map<TopicPartition, Long> ackedOffsets) {
        Map<TopicPartition, Long> offsets = KafkaTransactions.offsetsAfter(committedOffsets, ackedOffsets);
        if (open && !abortedWrites && offsets != null) {
            commitNow(offsets);
        }
    }

    /** As {@link BraidKeyValueStore#commit(Map)}: data, offsets and position in one Braid commit. */
    void commit(Map<TopicPartition, Long> changelogOffsets) {
        Objects.requireNonNull(changelogOffsets, "changelogOffsets");
        abortedWrites = false;
        commitNow(changelogOffsets);
    }

    private void commitNow(Map<TopicPartition, Long> changelogOffsets) {
        Braid b = braid();
        CommitMetadata metadata = new CommitMetadata(changelogOffsets, position, layout);
        try {
            b.commit(metadata.encode());
        } catch (BraidException e) {
            throw errors.translate(e);
        }
        committedOffsets = metadata.offsets();
    }

    Long committedOffset(TopicPartition partition) {
        braid();
        return committedOffsets.get(partition);
    }

    /**
     * As {@link BraidKeyValueStore#close()}: open iterators fail from now on, gauges go, the engine
     * closes (uncommitted writes are dropped) and a store found damaged is moved aside. Idempotent.
     */
    void close() {
        if (!open) {
            return;
        }
        open = false;
        for (BraidKeyValueIterator it : openIterators) {
            it.closeWithStore();
        }
        openIterators.clear();
        metrics.close();
        Path dir = braid.directory();
        try {
            braid.close();
        } catch (BraidException e) {
            LOG.warn("closing Braid store {} failed", name, e);
        }
        if (errors.damageSeen()) {
            Path aside = StoreDirectory.moveAside(dir, name, new IllegalStateException("corruption found while processing"));
            LOG.error("Braid store {} was found damaged while processing; moved {} to {}, so the next open "
                    + "starts empty and restores the changelog from the beginning", name, dir, aside);
        }
    }
}
