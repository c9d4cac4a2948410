package dev.braid.streams;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * The clients Kafka's default supplier makes, with a producer that tells Braid's stores when a
 * transaction commits, so that under exactly-once a crash restores only the changelog tail. Set it with
 * {@code default.client.supplier=dev.braid.streams.BraidClientSupplier} (or pass it to the
 * {@code KafkaStreams} constructor). Without it, and under at-least-once, nothing changes.
 *
 * <p>Why: Kafka Streams 4.3.1 commits a store ({@code StateStore.commit} with its changelog offsets) under
 * exactly-once only when a task finishes restoring, is suspended or closes, never while it runs
 * ({@code StreamTask.postCommit}). So after a SIGKILL a Braid store reopens at its state of the last
 * restore or clean close and Kafka restores everything since. The producer returned here records, for
 * each partition, the offset of the last record acknowledged, and after each successful
 * {@code commitTransaction()} has the stores written on the calling thread since the previous one commit
 * with them ({@link KafkaTransactions}, {@link BraidKeyValueStore}). Stateless; thread safe.
 */
public final class BraidClientSupplier implements KafkaClientSupplier {
    /** Public, without arguments: Kafka creates it from {@code default.client.supplier}. */
    public BraidClientSupplier() {
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new ObservingProducer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return consumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return consumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return consumer(config);
    }

    private static Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Kafka's producer; remembers the highest acknowledged offset of each partition (callbacks run on the
     * producer's I/O thread, hence the concurrent map) and reports each begun transaction, each
     * successful commit and each abort on the calling thread. A failed commit reports nothing.
     */
    private static final class ObservingProducer extends KafkaProducer<byte[], byte[]> {
        private final Map<TopicPartition, Long> ackedOffsets = new ConcurrentHashMap<>();

        ObservingProducer(Map<String, Object> config) {
            super(config, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            return super.send(record, (metadata, exception) -> {
                if (exception == null && metadata != null && metadata.offset() >= 0) {
                    ackedOffsets.merge(new TopicPartition(metadata.topic(), metadata.partition()), metadata.offset(),
                            Math::max);
                }
                if (callback != null) {
                    callback.onCompletion(metadata, exception);
                }
            });
        }

        @Override
        public void beginTransaction() {
            super.beginTransaction();
            KafkaTransactions.begun();
        }

        @Override
        public void commitTransaction() {
            super.commitTransaction();
            KafkaTransactions.committed(ackedOffsets);
        }

        @Override
        public void abortTransaction() {
            try {
                super.abortTransaction();
            } finally {
                KafkaTransactions.aborted(); // even if it failed, the broker aborts it at the timeout
            }
        }
    }
}
