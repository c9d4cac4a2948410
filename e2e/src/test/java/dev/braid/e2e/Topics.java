package dev.braid.e2e;

import dev.braid.examples.AppRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the tests ask the broker: end offsets, a group's committed offsets, a topic's records. Stateless. */
final class Topics {
    private Topics() {
    }

    /** End offsets by partition (committed records only when {@code readCommitted}). */
    static Map<Integer, Long> endOffsets(String topic, boolean readCommitted) {
        try (Admin admin = admin()) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            d.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<Integer, Long> ends = new TreeMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(
                            readCommitted ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED))
                    .all().get().forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
            return ends;
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot read the end offsets of " + topic, e);
        }
    }

    static long sum(Map<Integer, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The offsets group {@code group} has committed on {@code topic}, by partition. */
    static Map<Integer, Long> committed(String group, String topic) {
        try (Admin admin = admin()) {
            Map<Integer, Long> committed = new TreeMap<>();
            Map<TopicPartition, OffsetAndMetadata> all =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            all.forEach((tp, om) -> {
                if (tp.topic().equals(topic) && om != null) {
                    committed.put(tp.partition(), om.offset());
                }
            });
            return committed;
        } catch (InterruptedException | ExecutionException e) {
            return Map.of(); // no group yet
        }
    }

    /** Waits until group {@code group} has committed the whole of {@code topic}. */
    static void awaitConsumed(String group, String topic) {
        Map<Integer, Long> ends = endOffsets(topic, true);
        AppRunner.waitFor(() -> committed(group, topic), ends::equals, AppInstance.TIMEOUT,
                group + " to commit all of " + topic + " " + ends);
    }

    /** Every committed record of {@code topic} (string keys, long values), in order per partition. */
    static List<ConsumerRecord<String, Long>> readAll(String topic) {
        Map<Integer, Long> ends = endOffsets(topic, true);
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, Long>> records = new ArrayList<>();
        try (KafkaConsumer<String, Long> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new LongDeserializer())) {
            List<TopicPartition> partitions = ends.keySet().stream().map(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            AppRunner.waitFor(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp.partition()));
            }, done -> done, AppInstance.TIMEOUT, "reading " + topic + " to " + ends);
        }
        return records;
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers()));
    }
}
