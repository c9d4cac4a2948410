package dev.braid.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.braid.examples.AppRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A global Braid store ({@code addGlobalStore}) damaged on disk while the application is down: the
 * restart rebuilds it from the whole topic, once, and it holds every key's latest value, including
 * the updates made while the application was down.
 */
@ExtendWith(SharedBroker.class)
class GlobalStoreCorruptionTest {
    private static final int KEYS = 500;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed test leaves its logs
    Path dir;

    @Test
    void damagedHeaderIsRebuiltFromTheTopic() throws Exception {
        damageAndRestart("global-header", StateFiles.Damage.HEADER);
    }

    /**
     * Every data page damaged, header intact: without more, the store would open with its committed
     * offset, and the restore's commit (which drains the restored tail into the tree) would read a damaged
     * page: "Failed to commit global state store", the global thread dies, the application stays in
     * REBALANCING for ever (Kafka 4.3.1 has no task-corrupted path for global stores:
     * GlobalStreamThread.initialize, lines 434-438, closes the state consumer, whose close(false) runs
     * flushState again and fails before stateMgr.close(), GlobalStateUpdateTask lines 144-148; and the
     * committed offset is read right after init, GlobalStateManagerImpl lines 189-228). So the adapter
     * checks a global store in full when it opens and moves a damaged one aside before Kafka reads its
     * committed offset.
     */
    @Test
    void damagedDataPagesAreRebuiltFromTheTopic() throws Exception {
        damageAndRestart("global-data", StateFiles.Damage.EVERY_DATA_PAGE);
    }

    private void damageAndRestart(String app, StateFiles.Damage damage) throws Exception {
        String topic = SequenceApp.weightsTopic(app);
        AppRunner.createTopics(SharedBroker.bootstrapServers(), 2, SequenceApp.input(app), SequenceApp.output(app),
                topic);
        Map<String, String> expected = new TreeMap<>();
        produce(topic, 0, 4, expected);
        List<String> args = List.of("bootstrap=" + SharedBroker.bootstrapServers(), "state=" + dir.resolve("state"),
                "app=" + app, "guarantee=at_least_once", "global=true");
        try (AppInstance run = AppInstance.start("before", dir.resolve("before.log"), args)) {
            run.awaitRunning(); // a global store is bootstrapped to the end of its topic before RUNNING
            run.stop();
        }
        assertEquals(expected, StateFiles.globalCopy(dir.resolve("state"), app, SequenceApp.WEIGHTS).entries(),
                "the global store before the damage");
        StateFiles.damage(StateFiles.globalDir(dir.resolve("state"), app, SequenceApp.WEIGHTS), damage);
        produce(topic, 4, 6, expected); // updates while the application is down

        try (AppInstance run = AppInstance.start("after", dir.resolve("after.log"), args)) {
            run.awaitRunning();
            long total = Topics.sum(Topics.endOffsets(topic, false));
            Map<String, Long> starts = run.restoreStartOffsets(SequenceApp.WEIGHTS);
            assertEquals(Map.of(topic + "-0", 0L, topic + "-1", 0L), starts, "rebuilt from the start of the topic");
            assertEquals(2, run.restoreCount(topic + "-0") + run.restoreCount(topic + "-1"),
                    "one restore per partition, no loop");
            assertEquals(total, run.restored(SequenceApp.WEIGHTS).values().stream().mapToLong(Long::longValue).sum(),
                    "every record of the topic restored");
            run.stop();
        }
        assertEquals(expected, StateFiles.globalCopy(dir.resolve("state"), app, SequenceApp.WEIGHTS).entries(),
                "the global store after the restart");
    }

    /** Versions {@code from} to {@code to - 1} of every key's value; {@code expected} keeps the latest. */
    private static void produce(String topic, int from, int to, Map<String, String> expected) {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int v = from; v < to; v++) {
            for (int k = 0; k < KEYS; k++) {
                String key = String.format("w%04d", k);
                String value = "v" + v + "-" + k;
                records.add(Map.entry(key, value));
                expected.put(key, value);
            }
        }
        AppRunner.produce(SharedBroker.bootstrapServers(), topic, records, new StringSerializer(),
                new StringSerializer());
    }
}
