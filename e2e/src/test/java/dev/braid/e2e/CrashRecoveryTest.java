package dev.braid.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.examples.AppRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application killed with SIGKILL three times while its input still flows, restarted each time,
 * then run to the end: the tallies on disk and the output topic are exactly right for its processing
 * guarantee, and (at-least-once, and exactly-once with BraidClientSupplier) each restart restored only the
 * tail of the changelog.
 */
@ExtendWith(SharedBroker.class)
class CrashRecoveryTest {
    private static final int KEYS = 100;
    private static final int PER_KEY = 240;
    private static final int RECORDS_PER_SECOND = 3_000;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed test leaves its logs
    Path dir;

    /** What one scenario saw: per restart, records restored and the changelog's size at the kill. */
    record Restart(long restored, long changelogAtKill) {
    }

    @Test
    void atLeastOnceKilledThreeTimesLosesNothingAndRestoresOnlyTheTail() throws Exception {
        List<Restart> restarts = killThreeTimes("crash-alos", "at_least_once", "kafka");
        for (Restart r : restarts) {
            assertTrue(r.restored() * 3 < r.changelogAtKill(),
                    "a restart restores the tail after the last commit, not the changelog: " + restarts);
        }
    }

    /**
     * Kafka's own clients: Kafka 4.3.1 commits the stores of a running task only under at-least-once
     * (StreamTask.postCommit), so under exactly-once the store is back at its last restore or clean close
     * after each kill, and the restart restores everything since then; the state is still exactly right.
     */
    @Test
    void exactlyOnceKilledThreeTimesAppliesEveryUpdateOnce() throws Exception {
        killThreeTimes("crash-eos", "exactly_once_v2", "kafka");
    }

    /**
     * With {@link dev.braid.streams.BraidClientSupplier} the stream thread's producer reports each committed
     * transaction and the stores written in it commit right then (BraidKeyValueStore.commitAfterKafkaTransaction),
     * so a restart restores only the tail after the last committed transaction (at most the transaction whose
     * commit the kill interrupted), and every update is still applied exactly once: no write of the
     * transaction the kill aborted survives the restart.
     *
     * <p>What Kafka 4.3.1 does (kafka-streams-4.3.1-sources.jar, org/apache/kafka/streams/processor/internals):
     * the regular commit, TaskExecutor.commitTasksAndMaybeUpdateCommittableOffsets (lines 139-163), calls
     * prepareCommit, commits the transaction, then {@code task.postCommit(false)}; StreamTask.postCommit
     * (lines 512-545; RUNNING at 528-530) checkpoints a RUNNING task only
     * {@code if (enforceCheckpoint || !eosEnabled)}; maybeCheckpoint is the only way to
     * ProcessorStateManager.commit (AbstractTask line 90), which calls {@code StateStore.commit(offsets)} and
     * then the CommitCallback registered with {@code context.register} (ProcessorStateManager lines 504-555,
     * the callback at 520-522): the callback is no separate hook.
     * postCommit(true) comes only with suspension, revocation, closing and corrupted tasks (TaskManager lines
     * 283, 776, 1101, 1552, 1593); StreamTask.completeRestoration skips the checkpoint under EOS (line 301),
     * and the state updater commits restoring tasks (DefaultStateUpdater lines 367-716). On restart
     * ProcessorStateManager.initializeStoreOffsets (lines 307-331) starts the restore after
     * committedOffset, also under EOS.
     */
    @Test
    void exactlyOnceRestartRestoresOnlyTheTail() throws Exception {
        List<Restart> restarts = killThreeTimes("crash-eos-tail", "exactly_once_v2", "braid");
        for (Restart r : restarts) {
            assertTrue(r.restored() * 3 < r.changelogAtKill(),
                    "a restart restores the tail after the last commit, not the changelog: " + restarts);
        }
    }

    private List<Restart> killThreeTimes(String app, String guarantee, String clientSupplier) throws Exception {
        boolean exactlyOnce = guarantee.startsWith("exactly_once");
        AppRunner.createTopics(SharedBroker.bootstrapServers(), 4, SequenceApp.input(app), SequenceApp.output(app));
        List<String> args = List.of("bootstrap=" + SharedBroker.bootstrapServers(), "state=" + dir.resolve("state"),
                "app=" + app, "guarantee=" + guarantee, "clientSupplier=" + clientSupplier);
        List<Restart> restarts = new ArrayList<>();
        SequenceInput input = null;
        try {
            long changelogAtKill = 0;
            for (int run = 0; run <= 3; run++) {
                boolean last = run == 3;
                try (AppInstance instance = AppInstance.start(last ? "final" : "run" + run,
                        dir.resolve("run" + run + ".log"), args)) {
                    instance.awaitRunning();
                    if (input == null) { // the stream starts once the first run is up: no backlog to race through
                        input = new SequenceInput(SharedBroker.bootstrapServers(), SequenceApp.input(app), KEYS,
                                PER_KEY, RECORDS_PER_SECOND);
                    }
                    if (last) {
                        input.awaitAllSent();
                        Topics.awaitConsumed(app, SequenceApp.input(app));
                    } else {
                        // a quarter of the input past the point where the previous run died
                        instance.awaitProcessed(input.total() / 4);
                    }
                    if (run > 0) {
                        restarts.add(new Restart(instance.restoredWhenDone(SequenceApp.TALLIES), changelogAtKill));
                    }
                    if (last) {
                        instance.stop();
                    } else {
                        instance.kill();
                        changelogAtKill = Topics.sum(Topics.endOffsets(SequenceApp.changelog(app), false));
                    }
                }
            }
            System.out.println(guarantee + " restarts (restored, changelog at the kill): " + restarts);
            StateCheck.tallies(StateFiles.finalState(app, SequenceApp.TALLIES, dir.resolve("state")), input,
                    exactlyOnce);
            StateCheck.output(Topics.readAll(SequenceApp.output(app)), input, exactlyOnce);
        } finally {
            if (input != null) {
                input.close();
            }
        }
        return restarts;
    }
}
