package dev.braid.store;

import static dev.braid.store.FaultTestSupport.hasCause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.FaultTestSupport.CrashCase;
import dev.braid.store.MergeWorkload.Commit;
import dev.braid.store.MergeWorkload.FinishMerges;
import dev.braid.store.MergeWorkload.Progress;
import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import dev.braid.store.internal.io.SimulatedCrashException;
import dev.braid.store.internal.mergetree.SegmentInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Crashes the merge workload ({@link MergeWorkload#inline}) at every write and fsync point, in
 * every crash mode, with merges inline (deterministic) and a 1 KiB write buffer, and checks that the
 * reopened store is exactly at an allowed commit, equal to the model there, clean under check() (no
 * page leaked or claimed twice, also when a merge or fold was cut short) and still usable.
 *
 * <p>The dry run first checks that the workload reaches what it was written for, from the store's
 * stats and the engine's segment list ({@link EngineProbe}): more than 16 segments over a non-empty
 * tree, merges of 8 adjacent segments (one of them the oldest 8, keeping tombstones over the tree),
 * folds into an empty and into a non-empty tree, forced folds inside and after a transaction.
 * Inline merges never merge segments over an empty tree (they count the writer quiet once 4
 * segments exist and fold), so tombstones dropped by a merge are {@link MergeCrashBackgroundTest}'s.
 *
 * <p>Replay one case: {@code -Dtest=MergeCrashPointTest -Dbraid.seed=<seed> -Dbraid.crash.point=<p>
 * -Dbraid.crash.durability=FULL|NORMAL -Dbraid.crash.mode=<mode> -Dbraid.crash.variant=<v>};
 * {@code -Dbraid.crash.stride=<n>} tests every n-th point only.
 */
class MergeCrashPointTest {
    private static final long SEED = FaultTestSupport.seedProperty(0x3E26_C4A5L);
    /** Time the walk over all points may take per durability before it strides. */
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * The two walks: the merge workload with a 1 KiB write buffer that never grows, and restores whose
     * buffer grows (to half the 256 KiB budget) and is built straight into the empty tree at commit.
     */
    enum Walk {
        MERGES, RESTORES;

        MergeWorkload workload() {
            return this == MERGES ? MergeWorkload.inline(SEED) : MergeWorkload.restores(SEED);
        }

        BraidOptions options(FaultyFileSystem fs, Durability durability) {
            return BraidOptions.builder()
                    .pageSizeBytes(1024)
                    .cacheBytes(this == MERGES ? 64 * 1024 : 256 * 1024)
                    .durability(durability)
                    .backgroundCheckpoints(false)
                    .backgroundMerges(false)
                    .checkpointLogBytes(16 * 1024)
                    .maxLogBytes(64 * 1024)
                    .writeBufferBytes(1024)
                    .restoreBufferBytes(this == MERGES ? 0 : -1)
                    .fileSystem(fs)
                    .build();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Durability.class)
    void crashAtEveryPoint(Durability durability) throws Exception {
        walk(Walk.MERGES, durability);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Durability.class)
    void crashAtEveryPointOfRestoresBuiltStraightIntoTheTree(Durability durability) throws Exception {
        walk(Walk.RESTORES, durability);
    }

    private static void walk(Walk which, Durability durability) throws Exception {
        String only = System.getProperty("braid.crash.durability");
        if (only != null && !only.equalsIgnoreCase(durability.name())) {
            return;
        }
        String walk = "seed " + SEED + ", " + which + ", " + durability;
        MergeWorkload w = which.workload();
        FaultyFileSystem dry = new FaultyFileSystem();
        Reached reached = new Reached(w);
        Progress dryRun = w.run(which.options(dry, durability), reached::after);
        assertTrue(dryRun.completed, walk + ": the workload fails without faults: "
                + (dryRun.error != null ? FaultTestSupport.stackTrace(dryRun.error) : "")
                + (dryRun.untyped != null ? FaultTestSupport.stackTrace(dryRun.untyped) : ""));
        System.out.printf("MergeCrashPointTest: %s: %d steps, %d commits, %d points; reached %s%n", walk,
                w.steps.size(), w.atCommit.size() - 1, dry.pointCount(), reached);
        if (which == Walk.MERGES) {
            reached.assertAll(walk);
        } else {
            reached.assertDirectBuilds(walk);
        }
        List<String> trace = dry.trace();
        long points = dry.pointCount();
        FaultyFileSystem clean = dry.crash(CrashMode.PROCESS, 0);
        w.verifyRecovered(dryRun, clean, which.options(clean, durability), CrashMode.PROCESS, walk + ", no crash");

        List<CrashCase> modes = FaultTestSupport.crashCases();
        Long onePoint = Long.getLong("braid.crash.point");
        if (onePoint != null) {
            System.out.printf("MergeCrashPointTest: replaying %s, point %d of %d: %s%n", walk, onePoint, points,
                    trace.get((int) (onePoint - 1)));
            List<String> failures = crashAt(which, w, trace, durability, onePoint, modes, true);
            assertTrue(failures.isEmpty(), String.join("\n\n", failures));
            return;
        }
        FaultTestSupport.walkPoints("MergeCrashPointTest: " + walk + ", crash cases " + modes, points, BUDGET_NANOS,
                p -> crashAt(which, w, trace, durability, p, modes, false),
                p -> context(which, durability, p, trace, null));
    }

    /** Crashes a run at {@code point} and checks recovery in each crash case; returns what went wrong. */
    private static List<String> crashAt(Walk which, MergeWorkload w, List<String> trace, Durability durability,
            long point, List<CrashCase> modes, boolean rethrow) {
        List<String> failures = new ArrayList<>();
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.crashAtPoint(point);
        Progress pr = w.run(which.options(fs, durability), null);
        String ctx = context(which, durability, point, trace, null);
        List<String> seen = fs.trace();
        if (seen.size() > trace.size() || !seen.equals(trace.subList(0, seen.size()))) {
            failures.add(ctx + ": the workload is not deterministic: its points differ from the dry run's");
            return failures;
        }
        if (pr.completed || !fs.isDead()) {
            failures.add(ctx + ": the crash point was not reached or the store kept going after it (stopped at "
                    + pr.step + ")");
            return failures;
        }
        if (pr.untyped != null || !hasCause(pr.error, c -> c instanceof SimulatedCrashException)) {
            Throwable t = pr.untyped != null ? pr.untyped : pr.error;
            failures.add(ctx + ": during " + pr.step + " the store threw something other than a BraidException "
                    + "caused by the crash:\n" + FaultTestSupport.stackTrace(t));
            return failures;
        }
        for (CrashCase cc : modes) {
            String mctx = context(which, durability, point, trace, cc) + ", crashed during " + pr.step;
            FaultyFileSystem after = fs.crash(cc.mode(), cc.seed(SEED, point));
            try {
                w.verifyRecovered(pr, after, which.options(after, durability), cc.mode(), mctx);
            } catch (Throwable t) {
                if (rethrow) {
                    throw t;
                }
                failures.add(t instanceof AssertionError ? t.getMessage()
                        : mctx + ":\n" + FaultTestSupport.stackTrace(t));
            }
        }
        return failures;
    }

    private static String context(Walk which, Durability durability, long point, List<String> trace, CrashCase cc) {
        return "seed " + SEED + ", " + which + ", " + durability + ", point " + point + " [" + trace.get((int) point - 1)
                + "]" + (cc == null ? "" : ", " + cc)
                + " (replay: -Dtest=MergeCrashPointTest#" + (which == Walk.MERGES ? "crashAtEveryPoint"
                : "crashAtEveryPointOfRestoresBuiltStraightIntoTheTree") + " -Dbraid.seed=" + SEED + " -Dbraid.crash.point=" + point
                + " -Dbraid.crash.durability=" + durability + (cc == null ? "" : " " + cc.replay()) + ")";
    }

    /**
     * What the dry run saw the engine do, from the merge count and the segment list after each step:
     * a step after which the count grew and segments are left ran segment merges only; one after
     * which none are left ended with a fold (and any merges before it were segment merges).
     */
    private static final class Reached {
        private final MergeWorkload w;
        private long merges;
        private boolean treeEmpty = true;
        int maxSegmentsOverTree;
        int segmentMerges;
        int oldestMergesWithTombstones;
        int policyFoldsIntoEmptyTree;
        int policyFoldsIntoTree;
        int forcedFoldsMidTransaction;
        int forcedFoldsAfterCommit;
        int directBuildsIntoNewTree;
        int directBuildsIntoEmptiedTree;
        private boolean segmentsBefore;
        private boolean emptiedBefore;

        Reached(MergeWorkload w) {
            this.w = w;
        }

        void after(Braid store, int step) {
            BraidStats st = store.stats();
            List<SegmentInfo> segs = EngineProbe.segments(store);
            long done = st.merges() - merges;
            merges = st.merges();
            MergeWorkload.Step s = w.steps.get(step);
            if (done > 0 && !segs.isEmpty()) {
                segmentMerges += done;
                if (!treeEmpty) { // each merge of 8 left 7 fewer
                    maxSegmentsOverTree = Math.max(maxSegmentsOverTree, segs.size() + 7 * (int) done);
                }
                SegmentInfo oldest = segs.get(segs.size() - 1);
                if (oldest.id() > segs.get(0).id() && oldest.tombstones() > 0 && !treeEmpty) {
                    oldestMergesWithTombstones++; // the merge output took the oldest place
                }
            } else if (done > 0) {
                segmentMerges += done - 1;
                if (s instanceof FinishMerges f) {
                    if (f.midTransaction()) {
                        forcedFoldsMidTransaction++;
                    } else {
                        forcedFoldsAfterCommit++;
                    }
                } else if (s instanceof Commit) {
                    if (treeEmpty) {
                        policyFoldsIntoEmptyTree++;
                    } else {
                        policyFoldsIntoTree++;
                    }
                }
            }
            maxSegmentsOverTree = Math.max(maxSegmentsOverTree, treeEmpty ? 0 : segs.size());
            boolean nowEmpty = EngineProbe.treeIsEmpty(store);
            if (s instanceof Commit && treeEmpty && !segmentsBefore && !nowEmpty && segs.isEmpty()) {
                if (emptiedBefore) { // the buffer became the tree with no segment: a direct build
                    directBuildsIntoEmptiedTree++;
                } else {
                    directBuildsIntoNewTree++;
                }
            }
            treeEmpty = nowEmpty;
            segmentsBefore = !segs.isEmpty();
            emptiedBefore |= w.emptyAfterStep.contains(step);
            if (w.emptyAfterStep.contains(step)) {
                assertEquals(0, store.count(), "the store is not empty after step " + step);
                assertTrue(segs.isEmpty() && treeEmpty, "segments or tree entries are left after step " + step);
            }
        }

        void assertAll(String walk) {
            String why = walk + ": the workload no longer reaches what it was written for (" + this + "): ";
            assertTrue(maxSegmentsOverTree > 16, why + "more than 16 segments over a non-empty tree");
            assertTrue(segmentMerges >= 3, why + "3 merges of adjacent segments");
            assertTrue(oldestMergesWithTombstones >= 1, why + "a merge of the oldest segments, with tombstones");
            assertTrue(policyFoldsIntoEmptyTree >= 2, why + "2 folds into an empty tree at commit");
            assertTrue(policyFoldsIntoTree >= 2, why + "2 folds into a non-empty tree at commit");
            assertTrue(forcedFoldsMidTransaction >= 2, why + "2 forced folds inside a transaction");
            assertTrue(forcedFoldsAfterCommit >= 2, why + "2 forced folds after a commit");
        }

        void assertDirectBuilds(String walk) {
            String why = walk + ": the workload no longer reaches what it was written for (" + this + "): ";
            assertTrue(directBuildsIntoNewTree >= 1, why + "a direct build into the new store's tree");
            assertTrue(directBuildsIntoEmptiedTree >= 1, why + "a direct build into an emptied tree");
            assertTrue(policyFoldsIntoTree + forcedFoldsAfterCommit + forcedFoldsMidTransaction >= 1,
                    why + "a fold into a non-empty tree");
        }

        @Override
        public String toString() {
            return "max segments over a tree " + maxSegmentsOverTree + ", segment merges " + segmentMerges
                    + ", merges of the oldest with tombstones " + oldestMergesWithTombstones
                    + ", folds at commit into an empty tree " + policyFoldsIntoEmptyTree + ", into a tree "
                    + policyFoldsIntoTree + ", forced folds mid-transaction " + forcedFoldsMidTransaction
                    + ", after a commit " + forcedFoldsAfterCommit + ", direct builds into a new tree "
                    + directBuildsIntoNewTree + ", into an emptied tree " + directBuildsIntoEmptiedTree;
        }
    }
}
