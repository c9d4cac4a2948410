package dev.braid.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.braid.examples.AppRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task's Braid store damaged on disk while the application is down (at-least-once, where Kafka
 * reopens the same files): the restart restores that store from the start of its changelog, once (no
 * crash loop), leaves the intact task alone, and the stream goes on from the right state.
 */
@ExtendWith(SharedBroker.class)
class CorruptionTest {
    private static final int KEYS = 200;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed test leaves its logs
    Path dir;

    /** The header fails its checksum when the store opens: the adapter moves the store aside. */
    @Test
    void damagedHeaderIsRestoredInFullOnce() throws Exception {
        damageAndRestart("corrupt-header", StateFiles.Damage.HEADER, 1);
    }

    /**
     * Every data page damaged, header intact: the store opens, and the first read fails. The adapter
     * throws TaskCorruptedException; Kafka 4.3.1 (with its state updater) then closes the task dirty and
     * reopens the same directory — which the store moved aside when it closed, so the task starts
     * empty and restores the whole changelog once, instead of failing on the same page for ever.
     */
    @Test
    void damagedDataPagesAreRestoredInFullOnce() throws Exception {
        // the tail restore (nothing) before the first read finds the damage, then one full restore
        damageAndRestart("corrupt-data", StateFiles.Damage.EVERY_DATA_PAGE, 2);
    }

    private void damageAndRestart(String app, StateFiles.Damage damage, int maxRestores) throws Exception {
        AppRunner.createTopics(SharedBroker.bootstrapServers(), 2, SequenceApp.input(app), SequenceApp.output(app));
        List<String> args = List.of("bootstrap=" + SharedBroker.bootstrapServers(), "state=" + dir.resolve("state"),
                "app=" + app, "guarantee=at_least_once");
        try (SequenceInput first = new SequenceInput(SharedBroker.bootstrapServers(), SequenceApp.input(app),
                KEYS, 1, 50, 20_000);
             AppInstance run = AppInstance.start("before", dir.resolve("before.log"), args)) {
            run.awaitRunning();
            first.awaitAllSent();
            Topics.awaitConsumed(app, SequenceApp.input(app));
            run.stop();
        }
        Map<Integer, Long> changelog = Topics.endOffsets(SequenceApp.changelog(app), false);
        StateFiles.damage(dir.resolve("state").resolve(app).resolve("0_0").resolve("braid")
                .resolve(SequenceApp.TALLIES), damage);

        String damaged = SequenceApp.changelog(app) + "-0";
        String intact = SequenceApp.changelog(app) + "-1";
        try (AppInstance run = AppInstance.start("after", dir.resolve("after.log"), args);
             SequenceInput rest = new SequenceInput(SharedBroker.bootstrapServers(), SequenceApp.input(app),
                     KEYS, 51, 100, 20_000)) {
            run.awaitRunning();
            rest.awaitAllSent();
            Map<Integer, Long> end = Topics.endOffsets(SequenceApp.input(app), false);
            AppRunner.waitFor(() -> {
                if (run.restoreCount(damaged) > maxRestores) {
                    throw new AssertionError("the damaged store restores again and again, see " + dir.resolve("after.log"));
                }
                return Topics.committed(app, SequenceApp.input(app));
            }, end::equals, AppInstance.TIMEOUT, "the whole input to be consumed once " + end);
            assertEquals(0L, run.restoreStartOffsets(SequenceApp.TALLIES).get(damaged),
                    "the damaged store restores from the start of its changelog");
            assertEquals(changelog.get(0), run.restored(SequenceApp.TALLIES).get(damaged),
                    "the whole changelog of the damaged store is restored");
            assertEquals(0L, run.restored(SequenceApp.TALLIES).getOrDefault(intact, 0L),
                    "the intact store restores nothing");
            run.stop();
            StateCheck.tallies(StateFiles.finalState(app, SequenceApp.TALLIES, dir.resolve("state")), rest, false);
        }
    }
}
