package dev.braid.streams;

import static dev.braid.streams.StoreFixture.b;
import static dev.braid.streams.StoreFixture.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's numbers as gauges in Kafka's stream-state-metrics group, removed on close. */
class MetricsTest {
    @TempDir
    Path dir;

    @Test
    void gaugesAreRegisteredUnderTheBraidScopeAndRemovedOnClose() {
        TestStoreContext ctx = StoreFixture.context(dir);
        BraidKeyValueStore store = StoreFixture.open(ctx, "metered");
        for (int i = 0; i < 100; i++) {
            store.put(b("k" + i), v("v" + i));
        }
        store.commit(Map.of());
        Map<String, KafkaMetric> gauges = braidGauges(ctx);
        assertEquals(Set.of("cache-hit-ratio", "bytes-read-total", "bytes-written-total", "log-bytes",
                "page-file-bytes", "checkpoints-total", "segments", "pending-merge-bytes", "merges-total",
                "write-stall-time-ns-total", "number-keys", "memory-used-bytes", "memory-budget-bytes"), gauges.keySet());
        assertEquals(100.0, (Double) gauges.get("number-keys").metricValue());
        assertEquals((double) (16L << 20), (Double) gauges.get("memory-budget-bytes").metricValue());
        assertTrue((Double) gauges.get("bytes-written-total").metricValue() > 0);
        MetricName name = gauges.get("number-keys").metricName();
        assertEquals("stream-state-metrics", name.group());
        assertEquals("metered", name.tags().get("braid-state-id"));
        assertEquals("0_0", name.tags().get("task-id"));
        store.close();
        assertTrue(braidGauges(ctx).isEmpty(), "gauges are removed with the store");
    }

    private static Map<String, KafkaMetric> braidGauges(TestStoreContext ctx) {
        return ctx.kafkaMetrics().metrics().values().stream()
                .filter(m -> m.metricName().tags().containsKey("braid-state-id"))
                .collect(Collectors.toMap(m -> m.metricName().name(), m -> m));
    }
}
