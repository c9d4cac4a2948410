package dev.braid.streams;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per thread, the stores written since the last Kafka transaction that thread committed, and the
 * commit itself, as {@link BraidClientSupplier}'s producer reports it. Under exactly-once v2 a stream
 * thread's producer is used, and its transactions begun and committed, on that thread only, and the
 * stores of its tasks are written on it: so when {@link #committed} runs, every write of every store
 * that {@link #joined} on this thread since the previous commit went to the changelog in a transaction
 * that is now committed. Thread safe: each thread sees only its own entries.
 */
final class KafkaTransactions {
    /** A store that commits itself once the transaction of its writes has committed. */
    interface Participant {
        /**
         * Called on the committing thread; {@code ackedOffsets} has, per partition written by the producer,
         * the offset of the last record acknowledged by then.
         */
        void transactionCommitted(Map<TopicPartition, Long> ackedOffsets);

        /**
         * Called on the aborting thread: the store holds writes of an aborted transaction, so it must never
         * commit them itself (Kafka closes such a task dirty and wipes it under exactly-once).
         */
        void transactionAborted();
    }

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransactions.class);
    private static final ThreadLocal<Set<Participant>> JOINED = new ThreadLocal<>();

    private KafkaTransactions() {
    }

    /** Called by the producer on the thread that begins a transaction: from now on stores may join. */
    static void begun() {
        if (JOINED.get() == null) {
            JOINED.set(new LinkedHashSet<>());
        }
    }

    /**
     * Called by a store on the thread about to write it. Does nothing on a thread whose producer never
     * began a transaction (at-least-once, Kafka's own clients, the global thread), so nothing piles up.
     */
    static void join(Participant store) {
        Set<Participant> joined = JOINED.get();
        if (joined != null) {
            joined.add(store);
        }
    }

    /**
     * Called on the thread whose producer has just committed a transaction: tells every store that
     * joined since the previous commit, and forgets them. A store's failure is logged, not thrown: the
     * transaction is committed whatever happens here, and a store that fails to commit is FAILED, so its
     * next call raises Kafka's task-corrupted path.
     */
    static void committed(Map<TopicPartition, Long> ackedOffsets) {
        List<Participant> stores = takeJoined();
        Map<TopicPartition, Long> offsets = stores.isEmpty() ? Map.of() : Map.copyOf(ackedOffsets);
        for (Participant store : stores) {
            try {
                store.transactionCommitted(offsets);
            } catch (RuntimeException e) {
                LOG.warn("a Braid store failed to commit after a Kafka transaction committed", e);
            }
        }
    }

    /** Called on the thread whose producer has aborted a transaction (or tried to). */
    static void aborted() {
        for (Participant store : takeJoined()) {
            store.transactionAborted();
        }
    }

    private static List<Participant> takeJoined() {
        Set<Participant> joined = JOINED.get();
        if (joined == null || joined.isEmpty()) {
            return List.of();
        }
        List<Participant> stores = new ArrayList<>(joined);
        joined.clear();
        return stores;
    }

    /**
     * The offsets a store commits after a Kafka transaction: its changelog partition (the one of
     * Kafka's last commit, {@code committed}) at the highest offset acknowledged on it, when that is
     * newer; null when there is nothing to commit (no known partition, or no newer offset).
     */
    static Map<TopicPartition, Long> offsetsAfter(Map<TopicPartition, Long> committed,
                                                  Map<TopicPartition, Long> ackedOffsets) {
        if (committed.size() != 1) {
            return null;
        }
        TopicPartition changelog = committed.keySet().iterator().next();
        Long acked = ackedOffsets.get(changelog);
        Long last = committed.get(changelog);
        return acked != null && (last == null || acked > last) ? Map.of(changelog, acked) : null;
    }
}
