package dev.braid.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The input of a {@link SequenceApp}: {@code keys} keys, each receiving sequence numbers
 * {@code firstSeq} to {@code perKey} in order (round by round: every key's 1, then every key's 2, ...),
 * produced by a background thread at about {@code recordsPerSecond}, so that the application is killed
 * while the stream still flows. An idempotent producer: the topic holds each record once, in order
 * per key. A later part of the same stream is a second instance with a higher {@code firstSeq}.
 */
final class SequenceInput implements AutoCloseable {
    private final List<String> keys = new ArrayList<>();
    private final int firstSeq;
    private final int perKey;
    private final AtomicLong sent = new AtomicLong();
    private final Thread thread;
    private volatile RuntimeException failure;
    private volatile boolean closed;

    SequenceInput(String bootstrapServers, String topic, int keys, int perKey, int recordsPerSecond) {
        this(bootstrapServers, topic, keys, 1, perKey, recordsPerSecond);
    }

    SequenceInput(String bootstrapServers, String topic, int keys, int firstSeq, int perKey, int recordsPerSecond) {
        this.firstSeq = firstSeq;
        for (int k = 0; k < keys; k++) {
            this.keys.add(String.format("k%04d", k));
        }
        this.perKey = perKey;
        this.thread = new Thread(() -> produce(bootstrapServers, topic, recordsPerSecond), "input-" + topic);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    List<String> keys() {
        return keys;
    }

    /** The last sequence number of every key. */
    int perKey() {
        return perKey;
    }

    /** Records this instance produces. */
    long total() {
        return (long) keys.size() * (perKey - firstSeq + 1);
    }

    /** Records acknowledged so far. */
    long sent() {
        return sent.get();
    }

    /** Waits until every record is acknowledged. */
    void awaitAllSent() throws InterruptedException {
        thread.join(AppInstance.TIMEOUT.toMillis());
        if (failure != null) {
            throw failure;
        }
        if (sent.get() != total()) {
            throw new AssertionError("the input producer sent " + sent.get() + " of " + total() + " records");
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join(AppInstance.TIMEOUT.toMillis());
    }

    private void produce(String bootstrapServers, String topic, int recordsPerSecond) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5);
        long startNanos = System.nanoTime();
        long queued = 0;
        try (KafkaProducer<String, Long> producer =
                     new KafkaProducer<>(config, new StringSerializer(), new LongSerializer())) {
            for (long seq = firstSeq; seq <= perKey && !closed; seq++) {
                for (String key : keys) {
                    producer.send(new ProducerRecord<>(topic, key, seq), (metadata, e) -> {
                        if (e == null) {
                            sent.incrementAndGet();
                        } else {
                            failure = new IllegalStateException("producing the input failed", e);
                        }
                    });
                    queued++;
                }
                long dueNanos = startNanos + queued * 1_000_000_000L / recordsPerSecond;
                long waitMillis = (dueNanos - System.nanoTime()) / 1_000_000;
                if (waitMillis > 0) {
                    Thread.sleep(waitMillis); // pacing the input, not waiting for a result
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
        }
    }
}
