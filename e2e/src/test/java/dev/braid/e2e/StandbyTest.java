package dev.braid.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.examples.AppRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances with one standby replica each (Braid stores too): one is killed with SIGKILL, the
 * other's standby tasks become active restoring only what they had not yet applied, and the stream
 * finishes with no update lost (at-least-once).
 */
@ExtendWith(SharedBroker.class)
class StandbyTest {
    private static final String APP = "standby";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed test leaves its logs
    Path dir;

    @Test
    void standbyTakesOverFromAKilledInstance() throws Exception {
        AppRunner.createTopics(SharedBroker.bootstrapServers(), 4, SequenceApp.input(APP), SequenceApp.output(APP));
        try (AppInstance a = AppInstance.start("a", dir.resolve("a.log"), args("a"));
             AppInstance b = AppInstance.start("b", dir.resolve("b.log"), args("b"))) {
            a.awaitRunning();
            b.awaitRunning();
            AppInstance.Tasks onA = a.awaitTasks(t -> t.active().size() == 2 && t.standby().size() == 2,
                    "two active and two standby tasks");
            b.awaitTasks(t -> t.active().size() == 2 && t.standby().equals(onA.active()),
                    "standbys of a's active tasks " + onA.active());
            // the stream starts once the assignment has settled, so that a dies in the middle of it
            try (SequenceInput input = new SequenceInput(SharedBroker.bootstrapServers(), SequenceApp.input(APP),
                    100, 200, 3_000)) {
                // a's tasks write a good part of their changelogs, which b's standbys apply as they go
                AppRunner.waitFor(() -> Topics.endOffsets(SequenceApp.changelog(APP), false),
                        ends -> onA.active().stream().allMatch(t -> ends.get(partition(t)) >= 1_500),
                        AppInstance.TIMEOUT, "1,500 changelog records for each of a's tasks " + onA.active());
                assertEquals(onA, a.tasks(), "a's tasks did not change meanwhile");
                for (String task : onA.active()) {
                    Path standby = dir.resolve("b-state").resolve(APP).resolve(task).resolve("braid")
                            .resolve(SequenceApp.TALLIES);
                    assertTrue(Files.isDirectory(standby), "b keeps the standby of " + task + " in Braid");
                }
                Map<Integer, Long> changelogAtKill = Topics.endOffsets(SequenceApp.changelog(APP), false);
                a.kill();

                b.awaitTasks(t -> t.active().size() == 4, "all four tasks after a died");
                b.restoredWhenDone(SequenceApp.TALLIES);
                Map<String, Long> restored = b.restored(SequenceApp.TALLIES);
                for (String task : onA.active()) {
                    int partition = partition(task);
                    long tail = restored.getOrDefault(SequenceApp.changelog(APP) + "-" + partition, 0L);
                    assertTrue(tail * 3 < changelogAtKill.get(partition), "the standby of " + task
                            + " had the state: b restored " + tail + " of " + changelogAtKill.get(partition)
                            + " changelog records");
                }
                System.out.println("took over " + onA.active() + ", b restored " + restored + " of " + changelogAtKill);
                input.awaitAllSent();
                Topics.awaitConsumed(APP, SequenceApp.input(APP));
                b.stop();
                StateCheck.tallies(StateFiles.finalState(APP, SequenceApp.TALLIES, dir.resolve("a-state"),
                        dir.resolve("b-state")), input, false);
                StateCheck.output(Topics.readAll(SequenceApp.output(APP)), input, false);
            }
        }
    }

    private static int partition(String task) {
        return Integer.parseInt(task.substring(task.indexOf('_') + 1));
    }

    private List<String> args(String instance) {
        return List.of("bootstrap=" + SharedBroker.bootstrapServers(), "state=" + dir.resolve(instance + "-state"),
                "app=" + APP, "guarantee=at_least_once", "standbys=1");
    }
}
