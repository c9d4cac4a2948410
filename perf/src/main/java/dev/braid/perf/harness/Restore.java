package dev.braid.perf.harness;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The restore workload: the {@link Dataset}'s records in generation order (random key order) as
 * changelog records, in polled batches of {@code batch} records through the store's restore callback
 * (Kafka's {@code max.poll.records} is 1000), then the commit Kafka makes once the changelog is caught
 * up, then {@link OpenStore#finishMerges()}. Both ends are timed from the first batch.
 */
final class Restore {
    /**
     * Nanoseconds from the first batch to the end of the commit and to the end of the merges, and
     * the process CPU nanoseconds over the same two spans (-1 when unknown).
     */
    record Times(long untilCommitNanos, long mergedNanos, long untilCommitCpuNanos, long mergedCpuNanos) {
    }

    private Restore() {
    }

    static Times run(OpenStore s, Dataset d, int batch) {
        String topic = OpenStore.CHANGELOG.topic();
        int partition = OpenStore.CHANGELOG.partition();
        long c0 = CpuClock.processNanos();
        long t0 = System.nanoTime();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(batch);
        for (int i = 0; i < d.records(); i++) {
            records.add(new ConsumerRecord<>(topic, partition, s.nextOffset(), d.key(i), d.value(i, 0)));
            if (records.size() == batch) {
                s.restoreBatch(records);
                records = new ArrayList<>(batch); // Kafka hands each poll's records over in a new list
            }
        }
        if (!records.isEmpty()) {
            s.restoreBatch(records);
        }
        s.commit();
        long t1 = System.nanoTime();
        long c1 = CpuClock.processNanos();
        long t2 = s.finishMerges();
        long c2 = CpuClock.processNanos();
        return new Times(t1 - t0, Math.max(t1, t2) - t0, c0 < 0 ? -1 : c1 - c0, c0 < 0 ? -1 : c2 - c0);
    }
}
