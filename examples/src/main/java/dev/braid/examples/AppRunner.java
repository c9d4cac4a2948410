package dev.braid.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What every example does around its topology: the base configuration of an application on a local
 * broker, topics, producing input, starting and waiting. Stateless.
 */
public final class AppRunner {
    private AppRunner() {
    }

    /**
     * A configuration for a local, small machine: one stream thread, a short commit interval, and a
     * session timeout that notices a killed instance within seconds.
     */
    public static Properties baseConfig(String applicationId, String bootstrapServers, Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);
        return props;
    }

    /**
     * Creates topics with {@code partitions} partitions each and waits until the broker leads every
     * partition: a producer that starts earlier gets NOT_LEADER_OR_FOLLOWER, and an idempotent one can
     * then end up in an out-of-order-sequence loop on a new partition.
     */
    public static void createTopics(String bootstrapServers, int partitions, String... topics) {
        List<NewTopic> newTopics = new ArrayList<>();
        for (String topic : topics) {
            newTopics.add(new NewTopic(topic, partitions, (short) 1));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(newTopics).all().get();
            Map<TopicPartition, OffsetSpec> partitionsOf = new HashMap<>();
            for (String topic : topics) {
                for (int p = 0; p < partitions; p++) {
                    partitionsOf.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            // the leader answers ListOffsets only once its log exists, which is what producers need
            waitFor(() -> {
                try {
                    admin.listOffsets(partitionsOf).all().get();
                    return true;
                } catch (InterruptedException | ExecutionException notYet) {
                    return false;
                }
            }, ready -> ready, Duration.ofSeconds(60), "the leaders of every partition of " + List.of(topics));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + List.of(topics), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create " + List.of(topics), e.getCause());
        }
    }

    /** Sends string key/value pairs to {@code topic} and waits until all are acknowledged. */
    public static void produce(String bootstrapServers, String topic, List<Map.Entry<String, String>> records) {
        produce(bootstrapServers, topic, records, new StringSerializer(), new StringSerializer());
    }

    /** Sends key/value pairs to {@code topic} and waits until all are acknowledged. */
    public static <K, V> void produce(String bootstrapServers, String topic, List<Map.Entry<K, V>> records,
                                      Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<K, V> producer = new KafkaProducer<>(config, keySerializer, valueSerializer)) {
            for (Map.Entry<K, V> r : records) {
                producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue()));
            }
            producer.flush();
        }
    }

    /** Starts {@code streams} and waits until it is RUNNING, failing if it errs or takes longer. */
    public static void startAndAwaitRunning(KafkaStreams streams, Duration timeout) {
        streams.start();
        waitFor(streams::state, s -> s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.ERROR,
                timeout, "the application to reach RUNNING");
        if (streams.state() != KafkaStreams.State.RUNNING) {
            throw new IllegalStateException("the application failed to start: " + streams.state());
        }
    }

    /**
     * Polls {@code probe} every 50 ms until {@code done} accepts its value, which it returns; throws
     * {@link IllegalStateException} naming {@code what} and the last value after {@code timeout}.
     */
    public static <T> T waitFor(Supplier<T> probe, Predicate<T> done, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last;
        while (true) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for "
                        + what + "; last seen: " + last);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
