package dev.braid.examples;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Counts what Kafka Streams restores from changelogs, per store and changelog partition: where each
 * restore started and ended (offsets) and how many records it applied. Set it with
 * {@code KafkaStreams#setGlobalStateRestoreListener} before {@code start()}; it hears task and global
 * stores alike. With Braid a restart after a crash restores only the changelog tail after the store's
 * last commit, which is what these numbers show.
 *
 * <p>Thread safety: called by stream threads, the state updater and the global thread at once; read
 * from any thread.
 */
public final class RestoreCounter implements StateRestoreListener {
    /** One store partition's restore: offsets {@code [startOffset, endOffset)} and what was applied. */
    public record Restore(String store, TopicPartition changelog, long startOffset, long endOffset,
                          long restoredRecords, long millis, boolean done) {
    }

    private final Map<String, Restore> restores = new ConcurrentHashMap<>();
    private final Map<String, Long> startNanos = new ConcurrentHashMap<>();
    private final Consumer<String> events;

    /** {@code events} receives a line at each restore's start and end (for logs or a parent process). */
    public RestoreCounter(Consumer<String> events) {
        this.events = events;
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
        String id = id(storeName, partition);
        startNanos.put(id, System.nanoTime());
        restores.put(id, new Restore(storeName, partition, startingOffset, endingOffset, 0, 0, false));
        events.accept("restore-start " + storeName + " " + partition + " " + startingOffset + " " + endingOffset);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
        restores.computeIfPresent(id(storeName, partition), (id, r) -> new Restore(r.store(), r.changelog(),
                r.startOffset(), r.endOffset(), r.restoredRecords() + numRestored, r.millis(), false));
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
        String id = id(storeName, partition);
        long millis = (System.nanoTime() - startNanos.getOrDefault(id, System.nanoTime())) / 1_000_000;
        Restore r = restores.compute(id, (k, old) -> new Restore(storeName, partition,
                old == null ? -1 : old.startOffset(), old == null ? -1 : old.endOffset(), totalRestored, millis, true));
        events.accept("restore-end " + storeName + " " + partition + " " + r.restoredRecords() + " " + millis);
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String storeName, long totalRestored) {
        events.accept("restore-suspended " + storeName + " " + partition + " " + totalRestored);
    }

    /** Every restore so far, by store and partition. */
    public Map<String, Restore> restores() {
        return new TreeMap<>(restores);
    }

    /** Records applied by all restores so far. */
    public long restoredRecords() {
        return restores.values().stream().mapToLong(Restore::restoredRecords).sum();
    }

    private static String id(String store, TopicPartition partition) {
        return store + "@" + partition;
    }
}
