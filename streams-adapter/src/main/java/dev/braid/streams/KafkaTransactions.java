package dev.braid.streams;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * The last Kafka transaction that the producer used by the current thread committed, as reported by
 * {@link BraidClientSupplier}'s producer: a JVM-wide increasing number and, for every partition that
 * producer wrote, the offset of the last record it had acknowledged by then. Under exactly-once v2 a
 * stream thread's producer is used, and its transactions committed, on that thread only, so a store
 * written on a stream thread reads here which of its writes Kafka has committed (see
 * {@link BraidKeyValueStore}). Thread safe: each thread sees only its own entry.
 */
final class KafkaTransactions {
    /** One committed transaction: its number (from 1) and the acknowledged offsets at its commit. */
    record Committed(long number, Map<TopicPartition, Long> ackedOffsets) {
    }

    private static final AtomicLong NUMBERS = new AtomicLong();
    private static final ThreadLocal<Committed> LAST = new ThreadLocal<>();

    private KafkaTransactions() {
    }

    /** Called on the thread that has just committed a transaction successfully. */
    static void committed(Map<TopicPartition, Long> ackedOffsets) {
        LAST.set(new Committed(NUMBERS.incrementAndGet(), Map.copyOf(ackedOffsets)));
    }

    /** The last transaction committed on this thread, or null if none was. */
    static Committed lastOnThisThread() {
        return LAST.get();
    }
}
