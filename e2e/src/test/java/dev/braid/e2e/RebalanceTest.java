package dev.braid.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.examples.AppRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second instance joins a running exactly-once application: the rebalance moves tasks to it, it
 * restores their Braid stores from the changelog, and the two instances finish the stream with every
 * update applied exactly once.
 */
@ExtendWith(SharedBroker.class)
class RebalanceTest {
    private static final String APP = "rebalance";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed test leaves its logs
    Path dir;

    @Test
    void joiningInstanceRestoresTheTasksItTakesOver() throws Exception {
        AppRunner.createTopics(SharedBroker.bootstrapServers(), 4, SequenceApp.input(APP), SequenceApp.output(APP));
        try (SequenceInput input = new SequenceInput(SharedBroker.bootstrapServers(), SequenceApp.input(APP),
                100, 200, 3_000);
             AppInstance a = AppInstance.start("a", dir.resolve("a.log"), args("a"))) {
            a.awaitRunning();
            a.awaitTasks(t -> t.active().size() == 4, "all four tasks");
            a.awaitProcessed(input.total() / 3);
            try (AppInstance b = AppInstance.start("b", dir.resolve("b.log"), args("b"))) {
                b.awaitRunning();
                Set<String> moved = b.awaitTasks(t -> t.active().size() == 2, "two of the four tasks").active();
                a.awaitTasks(t -> t.active().size() == 2 && t.active().stream().noneMatch(moved::contains),
                        "the other two tasks");
                b.restoredWhenDone(SequenceApp.TALLIES);
                Map<String, Long> starts = b.restoreStartOffsets(SequenceApp.TALLIES);
                Map<String, Long> restored = b.restored(SequenceApp.TALLIES);
                for (String task : moved) {
                    String changelog = SequenceApp.changelog(APP) + "-" + task.substring(2);
                    assertEquals(0L, starts.get(changelog), "b restores " + task + " from the start: " + starts);
                    assertTrue(restored.getOrDefault(changelog, 0L) > 0, "b restored the state of " + task + ": "
                            + restored);
                }
                input.awaitAllSent();
                Topics.awaitConsumed(APP, SequenceApp.input(APP));
                b.stop();
                a.stop();
            }
            StateCheck.tallies(StateFiles.finalState(APP, SequenceApp.TALLIES, dir.resolve("a-state"),
                    dir.resolve("b-state")), input, true);
            StateCheck.output(Topics.readAll(SequenceApp.output(APP)), input, true);
        }
    }

    private List<String> args(String instance) {
        return new ArrayList<>(List.of("bootstrap=" + SharedBroker.bootstrapServers(),
                "state=" + dir.resolve(instance + "-state"), "app=" + APP, "guarantee=exactly_once_v2",
                // the joining instance counts as caught up, so the assignment moves tasks to it at once
                "recoveryLag=100000000"));
    }
}
