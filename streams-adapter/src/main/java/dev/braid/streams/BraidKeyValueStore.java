package dev.braid.streams;

import dev.braid.store.Braid;
import dev.braid.store.BraidException;
import dev.braid.store.BraidStats;
import dev.braid.store.KeyRange;
import dev.braid.store.WriteBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inner {@code KeyValueStore<Bytes, byte[]>} that Kafka Streams wraps in its metered, caching and
 * change-logging layers: one Braid store in {@code <task state dir>/braid/<name>}. Plain byte values;
 * the subclasses only add the marker interfaces of Kafka's timestamped and header formats, whose
 * values the layers above encode.
 *
 * <p>Lifecycle: {@code new -init-> OPEN -close-> CLOSED}. Normal processing writes are B+tree writes;
 * restores and standby updates go through {@link BraidRestoreCallback} as blind writes. The store
 * manages its changelog offsets (KIP-1035): {@link #commit(Map)} makes the data, the offsets and the
 * IQv2 position durable in one Braid commit ({@link CommitMetadata}), so after a crash it reopens
 * exactly at its last commit. Under exactly-once Kafka 4.3.1 calls {@link #commit(Map)} only when a task
 * finishes restoring, is suspended or closes; with {@link BraidClientSupplier} the store also commits
 * right after each committed transaction with its writes ({@code commitAfterKafkaTransaction}).
 *
 * <p>Thread safety: one writer (the stream thread) and any number of interactive-query readers
 * calling {@code get}, the range methods, {@link #approximateNumEntries()} and {@link #query} at the
 * same time; Braid serializes them. Iterators belong to the thread that opened them.
 */
sealed class BraidKeyValueStore implements KeyValueStore<Bytes, byte[]>
        permits BraidTimestampedKeyValueStore, BraidHeadersKeyValueStore {
    private static final Logger LOG = LoggerFactory.getLogger(BraidKeyValueStore.class);

    private final String name;
    private final String metricsScope;
    private final BraidStoreOptions overrides;
    private final Set<BraidKeyValueIterator> openIterators = ConcurrentHashMap.newKeySet();
    // Written by init and close on the stream thread, read by query threads: volatile.
    private volatile Braid braid;
    private volatile boolean open;
    private volatile Map<TopicPartition, Long> committedOffsets = Map.of();
    private volatile StateStoreContext context;
    private volatile Position position = Position.emptyPosition(); // its components are concurrent maps
    private volatile ErrorMapping errors;
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
    // Set when a Kafka transaction with writes of this store aborted; cleared by Kafka's commit(offsets).
    // Written on the stream thread, and by commit, which Kafka may call on its state-updater thread.
    private volatile boolean abortedWrites;
    private BraidStoreMetrics metrics; // stream thread only

    BraidKeyValueStore(String name, String metricsScope, BraidStoreOptions overrides) {
        this.name = Objects.requireNonNull(name, "name");
        this.metricsScope = Objects.requireNonNull(metricsScope, "metricsScope");
        this.overrides = Objects.requireNonNull(overrides, "overrides");
        this.errors = new ErrorMapping(name, null);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        if (open) {
            throw new IllegalStateException("Braid store " + name + " is already open");
        }
        Map<String, Object> appConfigs = context.appConfigs();
        BraidConfig config = BraidConfig.from(appConfigs);
        Path dir = StoreDirectory.of(context.stateDir().toPath(), name);
        StoreDirectory.Opened opened = StoreDirectory.open(dir, config.toOptions(overrides), name,
                isGlobal(context.taskId()));
        try {
            this.context = context;
            this.errors = new ErrorMapping(name, context.taskId());
            this.braid = opened.braid();
            this.position = opened.metadata().position();
            this.committedOffsets = opened.metadata().offsets();
            this.abortedWrites = false; // Kafka may init a store again after closing it dirty
            boolean consistency = StreamsConfig.InternalConfig.getBoolean(
                    appConfigs, StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, false);
            context.register(root, new BraidRestoreCallback(opened.braid(), position, consistency, errors));
            this.metrics = BraidStoreMetrics.register(context, metricsScope, name, opened.braid()::stats);
        } catch (RuntimeException e) {
            opened.braid().close(); // release the directory lock, or the next init could not open it
            throw e;
        }
        this.open = true;
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /**
     * True: offsets live in the store's commits. Deprecated in 4.3.1 as a transition aid (every store
     * is to manage its offsets), but still read: a store answering false gets Kafka's legacy
     * checkpoint-file wrapper.
     */
    @SuppressWarnings("deprecation")
    @Override
    public boolean managesOffsets() {
        return true;
    }

    @Override
    public void put(Bytes key, byte[] value) {
        Objects.requireNonNull(key, "key cannot be null");
        Braid b = openBraid();
        KafkaTransactions.join(transactions);
        try {
            if (value == null) {
                b.delete(key.get());
            } else {
                b.put(key.get(), value);
            }
        } catch (BraidException e) {
            throw errors.translate(e);
        }
        StoreQueryUtils.updatePosition(position, context);
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        Objects.requireNonNull(key, "key cannot be null");
        byte[] old = get(key);
        if (old == null && value != null) {
            put(key, value);
        }
        return old;
    }

    /** All of {@code entries} in one atomic {@link WriteBatch}; a null value deletes. */
    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        WriteBatch batch = new WriteBatch();
        for (KeyValue<Bytes, byte[]> kv : entries) {
            Objects.requireNonNull(kv.key, "key cannot be null");
            if (kv.value == null) {
                batch.delete(kv.key.get());
            } else {
                batch.put(kv.key.get(), kv.value);
            }
        }
        Braid b = openBraid();
        KafkaTransactions.join(transactions);
        try {
            b.write(batch);
        } catch (BraidException e) {
            throw errors.translate(e);
        }
        StoreQueryUtils.updatePosition(position, context);
    }

    @Override
    public byte[] delete(Bytes key) {
        Objects.requireNonNull(key, "key cannot be null");
        byte[] old = get(key);
        put(key, null);
        return old;
    }

    @Override
    public byte[] get(Bytes key) {
        Objects.requireNonNull(key, "key cannot be null");
        Braid b = openBraid();
        try {
            return b.get(key.get());
        } catch (BraidException e) {
            throw errors.translate(e);
        }
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        return iterator(from, to, false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        return iterator(from, to, true);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return iterator(KeyRange.all(), false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        return iterator(KeyRange.all(), true);
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
        Objects.requireNonNull(prefix, "prefix cannot be null");
        Objects.requireNonNull(prefixKeySerializer, "prefixKeySerializer cannot be null");
        return iterator(KeyRange.prefix(prefixKeySerializer.serialize(null, prefix)), false);
    }

    /** The exact number of keys. */
    @Override
    public long approximateNumEntries() {
        Braid b = openBraid();
        try {
            return b.count();
        } catch (BraidException e) {
            throw errors.translate(e);
        }
    }

    /**
     * Nothing to do: data and offsets become durable together in {@link #commit(Map)}, which 4.3 calls
     * instead of this deprecated method.
     */
    @SuppressWarnings("deprecation")
    @Override
    public void flush() {
    }

    /**
     * Makes every write so far durable in one Braid commit, together with {@code changelogOffsets} and
     * the IQv2 position. An empty map wipes the committed offsets (Kafka sends it for a store it found
     * corrupted, and for stores without a changelog).
     */
    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        Objects.requireNonNull(changelogOffsets, "changelogOffsets");
        abortedWrites = false;
        commitNow(changelogOffsets);
    }

    /**
     * Under exactly-once, Kafka 4.3.1 never calls {@link #commit(Map)} while a task runs
     * (StreamTask.postCommit checkpoints a RUNNING task only when not EOS or enforced). With
     * {@link BraidClientSupplier}, every write joins the current Kafka transaction of its thread
     * ({@link KafkaTransactions#join}) and, right after that transaction commits, on the same thread, the
     * store commits here. That is safe: every write so far was sent to the changelog, in the same call,
     * before the commit, so the store holds exactly committed changelog records. A store with writes in
     * an aborted transaction never commits here (Kafka closes its task dirty and wipes it under
     * exactly-once, or commits it itself). The offset is the highest acknowledged on the store's changelog
     * partition: its own last record, or one before it (a changelog replay is idempotent), never one after
     * it. The partition is the one of Kafka's last commit; without one, or with no newer offset, nothing
     * is committed.
     */
    private void commitAfterKafkaTransaction(Map<TopicPartition, Long> ackedOffsets) {
        Map<TopicPartition, Long> offsets = KafkaTransactions.offsetsAfter(committedOffsets, ackedOffsets);
        if (open && !abortedWrites && offsets != null) {
            commitNow(offsets);
        }
    }

    private void commitNow(Map<TopicPartition, Long> changelogOffsets) {
        Braid b = openBraid();
        CommitMetadata metadata = new CommitMetadata(changelogOffsets, position);
        try {
            b.commit(metadata.encode());
        } catch (BraidException e) {
            throw errors.translate(e);
        }
        committedOffsets = metadata.offsets();
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        openBraid();
        return committedOffsets.get(partition);
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return StoreQueryUtils.handleBasicQueries(query, positionBound, config, this, position, context);
    }

    @Override
    public Position getPosition() {
        return position;
    }

    /**
     * Closes the open iterators (their next call throws {@link InvalidStateStoreException}), removes
     * the metrics and closes Braid. Writes since the last {@link #commit(Map)} are dropped, exactly as
     * after a crash; Kafka commits before a clean close. Idempotent.
     */
    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        for (BraidKeyValueIterator it : openIterators) {
            it.closeWithStore();
        }
        openIterators.clear();
        metrics.close();
        java.nio.file.Path dir = braid.directory();
        try {
            braid.close();
        } catch (BraidException e) {
            LOG.warn("closing Braid store {} failed", name, e);
        }
        if (errors.damageSeen()) {
            // Kafka revives a corrupted task on the same directory: start it over from an empty store.
            java.nio.file.Path aside = StoreDirectory.moveAside(dir, name,
                    new IllegalStateException("corruption found while processing"));
            LOG.error("Braid store {} was found damaged while processing; moved {} to {}, so the next open "
                    + "starts empty and restores the changelog from the beginning", name, dir, aside);
        }
    }

    /** The engine's numbers; for tests and tools. */
    BraidStats stats() {
        return openBraid().stats();
    }

    /** The gauges registered for this store. */
    BraidStoreMetrics metrics() {
        return metrics;
    }

    /** The open engine; for tests. */
    Braid braid() {
        return openBraid();
    }

    private KeyValueIterator<Bytes, byte[]> iterator(Bytes from, Bytes to, boolean reverse) {
        if (from != null && to != null && from.compareTo(to) > 0) {
            LOG.warn("Returning an empty iterator for a range of store {} whose lower bound is above its upper "
                    + "bound. The arguments may be in the wrong order, or the key serde may not keep the order "
                    + "of the keys in their bytes (the built-in numeric serdes do not for negative numbers).", name);
        }
        // from > to gives an empty KeyRange, and still a tracked iterator that fails after close
        return iterator(KeyRange.closed(from == null ? null : from.get(), to == null ? null : to.get()), reverse);
    }

    private KeyValueIterator<Bytes, byte[]> iterator(KeyRange range, boolean reverse) {
        Braid b = openBraid();
        try {
            return new BraidKeyValueIterator(reverse ? b.reverseIterator(range) : b.iterator(range),
                    openIterators, name, errors);
        } catch (BraidException e) {
            throw errors.translate(e);
        }
    }

    /**
     * Whether {@code taskId} is the global task's: Kafka 4.3.1 gives global stores the id -1_-1
     * (GlobalProcessorContextImpl, line 51). A global store is checked in full when it opens, because Kafka
     * has no way to rebuild one found damaged later: GlobalStateManagerImpl.initialize reads the committed
     * offsets right after init and restores from them, and any failure after that (at the restore's commit,
     * GlobalStateUpdateTask.flushState) kills the global thread, before the store is closed.
     */
    static boolean isGlobal(TaskId taskId) {
        return taskId != null && taskId.subtopology() < 0;
    }

    private Braid openBraid() {
        Braid b = braid;
        if (!open || b == null) {
            throw new InvalidStateStoreException("Braid store " + name + " is not open");
        }
        return b;
    }
}
